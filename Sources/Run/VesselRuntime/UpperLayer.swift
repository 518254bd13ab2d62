import Foundation
import VesselBasics
import VesselImage

/// The overlay's upper directory before the overlay is mounted: what Vessel adds to the image
/// (mount points the image lacks, the user's passwd entry, resolv.conf). In the merged view the
/// image's root-owned directories belong to an unmapped user, and no one inside may write
/// there, so all of it is written here first. Directories made here mirror the image's modes,
/// so the merged view looks like the image.
///
/// Vessel prepares it in its own process, before forking the container's init, which then only
/// mounts.
struct UpperLayer {
    /// The staging tmpfs: the image's mount point, the layer, the overlay's work directory and root.
    let image: String, upper: String, work: String, root: String
    /// The image's own reader, when Vessel serves it: files read through it cost no FUSE round trips.
    let reader: ImageServer?

    init(stage: String, reader: ImageServer? = nil) {
        self.reader = reader
        image = stage + "/image"
        upper = stage + "/upper"
        work = stage + "/work"
        root = stage + "/root"
    }

    /// Makes the directories, then what the mount plan, the image (`directories`: its
    /// WorkingDir and VOLUMEs) and the user's identity need.
    func prepare(plan: MountPlan, host: HostContext, uid: UInt32, gid: UInt32, directories: [String] = []) throws {
        for d in [upper, work, root] { try Sys.mkdirs(d) }
        for d in directories { try ensure(d, directory: true) }
        for step in plan.steps {
            var isDirectory = true
            if case .bind(let source, _, _) = step.kind {
                var st = stat()
                isDirectory = stat(source, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            try ensure(step.target, directory: isDirectory)
        }
        try writeIdentity(host: host, uid: uid, gid: gid)
    }

    /// Makes `path` exist in the merged view: nothing when the image has it, else a directory
    /// (or an empty file) in the upper layer, with its parents.
    func ensure(_ path: String, directory: Bool) throws {
        var st = stat()
        if lstat(image + path, &st) == 0 { return }
        try parents(of: path)
        if directory {
            if mkdir(upper + path, 0o755) != 0 && errno != EEXIST { throw RuntimeError.setup("creating \(path)", reason: errnoText()) }
        } else {
            let fd = open(upper + path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw RuntimeError.setup("creating \(path)", reason: errnoText()) }
            close(fd)
        }
    }

    /// /etc/passwd and /etc/group gain the user's entries; resolv.conf and hosts come from the host.
    private func writeIdentity(host: HostContext, uid: UInt32, gid: UInt32) throws {
        func hasID(_ text: String, _ id: UInt32) -> Bool {
            text.split(separator: "\n").contains { $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first == "\(id)" }
        }
        func appending(_ text: String, _ line: String) -> String {
            (text.isEmpty || text.hasSuffix("\n") ? text : text + "\n") + line + "\n"
        }
        var passwd = read("/etc/passwd")
        if !hasID(passwd, uid) {
            passwd = appending(passwd, "\(host.userName):x:\(uid):\(gid):\(host.gecos):\(host.home):\(host.shell)")
        }
        var group = read("/etc/group")
        if !hasID(group, gid) { group = appending(group, "\(host.groupName):x:\(gid):") }
        try write("/etc/passwd", passwd)
        try write("/etc/group", group)
        for p in ["/etc/resolv.conf", "/etc/hosts"] {
            if let text = PlainSystem.readText(p) { try write(p, text) }
        }
    }

    /// The parents of `path` in the upper layer, each with the mode it has in the image.
    private func parents(of path: String) throws {
        var prefix = ""
        for part in path.split(separator: "/").dropLast() {
            prefix += "/" + part
            var st = stat()
            var mode: mode_t = 0o755
            if stat(image + prefix, &st) == 0 { mode = st.st_mode & 0o7777 }
            if mkdir(upper + prefix, mode) == 0 {
                chmod(upper + prefix, mode)  // past the umask
            } else if errno != EEXIST {
                throw RuntimeError.setup("creating \(prefix)", reason: errnoText())
            }
        }
    }

    /// A file as the merged view will show it: Vessel's version if written, else the image's
    /// (through the mount when the reader does not have it as a regular file: a symbolic link).
    func read(_ path: String) -> String {
        if let text = PlainSystem.readText(upper + path) { return text }
        if let bytes = try? reader?.readFile(path) { return String(decoding: bytes, as: UTF8.self) }
        return PlainSystem.readText(image + path) ?? ""
    }

    func write(_ path: String, _ text: String) throws {
        try parents(of: path)
        unlink(upper + path)
        try Sys.write(upper + path, text)
    }
}
