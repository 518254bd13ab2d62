import CLinux
import Glibc
import VesselBasics

/// The container's root through fuse-overlayfs, for kernels that refuse overlayfs in a user
/// namespace (before 5.11, or where a distribution turned it off), and for writable roots: an
/// overlay mounted in a user namespace may not record renamed directories (redirect_dir), so it
/// refuses to rename one with EXDEV, and dpkg, which installs a directory by renaming it into
/// place, fails ("Invalid cross-device link"); fuse-overlayfs renames them. VESSEL_OVERLAY=fuse
/// forces it, VESSEL_OVERLAY=kernel keeps the kernel's overlay for writable roots too.
/// It runs in the foreground as a child of the container's first process, with PDEATHSIG, so it
/// ends with the container in every case. Its daemon resolves paths from its own root, so the
/// container then enters the root by moving it onto / and chroot, not by pivot_root, which
/// would move the daemon's root too and leave it unable to reach its layers.
enum FuseOverlay {
    /// getenv: ProcessInfo's first use would cost the container's init 0.15 ms.
    static var forced: Bool { getenv("VESSEL_OVERLAY").map { String(cString: $0) } == "fuse" }

    /// A writable root goes through fuse-overlayfs when it is installed (see above).
    static var preferredForWriting: Bool {
        getenv("VESSEL_OVERLAY").map { String(cString: $0) } != "kernel" && binary != nil
    }

    static var binary: String? {
        ["/usr/bin/fuse-overlayfs", "/usr/local/bin/fuse-overlayfs"].first { access($0, X_OK) == 0 }
    }

    static func mount(lower: String, upper: String, work: String, at root: String, kernelError: String?) throws {
        let why = kernelError.map { "the kernel refused overlayfs (\($0))" } ?? (forced ? "VESSEL_OVERLAY=fuse" : "a writable root")
        guard let binary else {
            throw RuntimeError.mount(what: "the image overlay", target: root,
                                     reason: "\(why), and fuse-overlayfs is not installed (apt-get install fuse-overlayfs)")
        }
        var before = stat()
        stat(root, &before)
        if kernelError != nil {
            PlainSystem.warn("vessel: \(why); using fuse-overlayfs\n")
        }
        // noacl: with ACLs on, the kernel asks for system.posix_acl_access on every permission
        // check, and the image's FUSE server answers "not supported", which fails execve.
        let args = [binary, "-f", "-o", "noacl,lowerdir=\(lower),upperdir=\(upper),workdir=\(work)", root]
        let cArgs = args.map { strdup($0) } + [nil]
        let pid = vessel_fork()
        if pid == 0 {
            _ = vessel_set_pdeathsig(SIGKILL)
            _ = vessel_keep_sys_admin()
            let null = open("/dev/null", O_RDWR)
            // Its warnings too (fuse-overlayfs 1.10 notes each mount option it ignores): a
            // failure is reported below with its exit status.
            for fd: Int32 in 0...2 { dup2(null, fd) }
            // Nothing else of the container's: a served container's announcement pipe, left
            // open here, would keep its reader waiting for the end of the announcement.
            _ = close_range(3, UInt32.max, 0)
            execv(binary, cArgs)
            _exit(127)
        }
        guard pid > 0 else { throw RuntimeError.mount(what: "fuse-overlayfs", target: root, reason: errnoText()) }
        // Mounted when the root's device changes.
        for _ in 0..<500 {
            var now = stat()
            if stat(root, &now) == 0, now.st_dev != before.st_dev { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw RuntimeError.mount(what: "the image overlay", target: root, reason: "\(why), and fuse-overlayfs failed (exit \((status >> 8) & 0xff))")
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        throw RuntimeError.mount(what: "the image overlay", target: root, reason: "\(why), and fuse-overlayfs did not mount within 5 s")
    }
}
