import CLinux
import CVesselFuse
import Glibc
import VesselBasics
import VesselImage
import VesselSquashFS

/// The image, mounted through FUSE by Vessel itself with libsquashfuse's low-level operations.
/// The mount lives in Vessel's private mount namespace, so it disappears with the namespace:
/// whatever way Vessel ends, no mount is left on the node.
final class ImageServer {
    private let image: OpaquePointer
    let fuseFD: Int32

    /// Opens the image file; call before entering namespaces (the path is the host's). Given
    /// an OpenedFile's path, the server reads that file.
    init(image: String, region: ImageRegion) throws {
        guard let opened = vessel_image_open(image, Int(region.offset)) else {
            throw RuntimeError.imageUnreadable(image, reason: "libsquashfuse cannot open it as SquashFS")
        }
        self.image = opened
        fuseFD = -1
    }

    /// A regular file of the image (nil when there is none), read before serving with the
    /// instance that serves first: the kernel's first look-ups then meet warm caches, and the
    /// start decompresses no block twice.
    func readFile(_ path: String, limit: Int = 1 << 20) throws -> [UInt8]? {
        var size = 0
        guard let buffer = vessel_image_read_file(image, path, limit, &size) else {
            if errno == ENOENT || errno == EISDIR { return nil }
            throw RuntimeError.imageUnreadable(path, reason: errnoText())
        }
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: size))
    }

    private init(image: OpaquePointer, fd: Int32) {
        self.image = image
        fuseFD = fd
    }

    /// Mounts /dev/fuse at `target`; needs CAP_SYS_ADMIN in the current user namespace.
    func mount(at target: String, uid: UInt32, gid: UInt32) throws -> ImageServer {
        let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.fuseUnavailable(reason: "/dev/fuse: \(errnoText())") }
        // allow_other: under --fakeroot the image's User (another id of this namespace) reads it too;
        // in a user namespace it lets in no one from outside.
        let options = "fd=\(fd),rootmode=40000,user_id=\(uid),group_id=\(gid),allow_other"
        if Glibc.mount("vessel", target, "fuse.vessel", UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_RDONLY), options) != 0 {
            let e = errno
            close(fd)
            throw RuntimeError.fuseUnavailable(reason: "the kernel refused a FUSE mount in a user namespace: \(errnoText(e))")
        }
        return ImageServer(image: image, fd: fd)
    }

    /// With real privilege, the kernel mounts the image itself (a read-only loop device that
    /// clears itself when the mount, and so Vessel's mount namespace, is gone).
    static func mountWithKernel(_ image: OpenedFile, region: ImageRegion, at target: String) throws {
        var path = [CChar](repeating: 0, count: 64)
        let dev = vessel_loop_attach(image.fd, UInt64(region.offset), UInt64(region.length ?? 0), &path, path.count)
        guard dev >= 0 else { throw RuntimeError.mount(what: image.name, target: target, reason: "no loop device: \(errnoText(-dev))") }
        defer { close(dev) }
        let device = String(cString: path)
        try Sys.mount(device, target, "squashfs", UInt(MS_RDONLY) | UInt(MS_NOSUID) | UInt(MS_NODEV), what: "\(image.name) (\(device))")
    }

    /// Worker threads: one per usable core, at least 2 (a request waiting on the file system
    /// does not hold up the next), at most 16. All start with every container, before its PID
    /// namespace, and each costs ~0.08 ms of CPU a start: twice the cores made 256 threads on a
    /// 128-core login node. Concurrent requests share a few readers anyway (vessel_fuse.c).
    /// VESSEL_FUSE_THREADS overrides.
    static func threads(environment: [String: String]) -> UInt32 {
        environment["VESSEL_FUSE_THREADS"].flatMap(UInt32.init) ?? UInt32(min(16, max(2, Sys.usableCPUs())))
    }

    /// Starts serving requests on threads of its own; they serve until the process ends.
    /// Call before unsharing a PID namespace, after which no thread can be started.
    func serve(threads: UInt32) throws {
        let rc = vessel_image_serve(image, fuseFD, threads)
        if rc < 0 { throw RuntimeError.setup("serving the image through FUSE", reason: "libfuse error \(rc)") }
    }
}
