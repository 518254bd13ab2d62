import Glibc
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
final class UpperLayer {
    /// The staging tmpfs: the image's mount point, the layer, the overlay's work directory and root.
    let image: String, upper: String, work: String, root: String
    /// What Vessel makes in `upper`, recorded for a saved image to leave out (MadeEntries).
    let madeRecord: String
    /// The image's own reader, when Vessel serves it: files read through it cost no FUSE round trips.
    let reader: ImageServer?
    private var made: Set<String> = []

    /// `overlay`: a directory that keeps the layer from one start to the next (--overlay);
    /// without one the layer is on the staging tmpfs and goes with the container.
    init(stage: String, overlay: String? = nil, reader: ImageServer? = nil) {
        self.reader = reader
        image = stage + "/image"
        root = stage + "/root"
        if let overlay {
            let dir = OverlayDirectory(overlay)
            upper = dir.upper
            work = dir.work
            madeRecord = dir.made
        } else {
            upper = stage + "/upper"
            work = stage + "/work"
            madeRecord = stage + "/made"
        }
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
        try recordMade()
    }

    /// Makes `path` exist in the merged view: nothing when the image has it, else a directory
    /// (or an empty file) in the upper layer, with its parents. A whiteout a kept layer holds
    /// there (the container removed it last time) is taken away first.
    func ensure(_ path: String, directory: Bool) throws {
        removeWhiteout(path)
        var st = stat()
        if lstat(image + path, &st) == 0 { return }
        try parents(of: path)
        if directory {
            if mkdir(upper + path, 0o755) == 0 { made.insert(path) } else if errno != EEXIST {
                throw RuntimeError.setup("creating \(path)", reason: errnoText())
            }
        } else {
            let fd = open(upper + path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { made.insert(path); close(fd) } else if errno != EEXIST {
                throw RuntimeError.setup("creating \(path)", reason: errnoText())
            }
        }
    }

    /// The overlay's whiteouts: a 0/0 character device (the kernel's, fuse-overlayfs's when it
    /// may make one) or a .wh.NAME file (fuse-overlayfs's otherwise).
    private func removeWhiteout(_ path: String) {
        var st = stat()
        if lstat(upper + path, &st) == 0, st.st_mode & S_IFMT == S_IFCHR, st.st_rdev == 0 { unlink(upper + path) }
        if let slash = path.lastIndex(of: "/") {
            unlink(upper + path[..<slash] + "/.wh." + path[path.index(after: slash)...])
        }
    }

    /// Writes what Vessel made, as it is now; a kept layer's earlier record keeps the entries
    /// the container has not changed since.
    private func recordMade() throws {
        var record = MadeEntries(text: PlainSystem.readText(madeRecord) ?? "")
        record.entries = record.entries.filter { record.isUnchanged($0.key, now: MadeEntries.stamp(of: upper + $0.key)) }
        for path in made { record.entries[path] = MadeEntries.stamp(of: upper + path) }
        unlink(madeRecord)
        try Sys.write(madeRecord, record.text)
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
                made.insert(prefix)
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

    /// Writes Vessel's version of a file, unless a kept layer has it already (then it stays
    /// whosever it was: rewritten inside the container since, it is the container's).
    func write(_ path: String, _ text: String) throws {
        if PlainSystem.readText(upper + path) == text { return }
        try parents(of: path)
        unlink(upper + path)
        try Sys.write(upper + path, text)
        made.insert(path)
    }
}
