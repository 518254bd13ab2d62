import Glibc
import VesselBasics
import VesselWire

/// `--overlay DIR`: the container's writes kept in DIR (OverlayDirectory) from one start to the
/// next. Checked before any namespace, as the user: DIR is made 0700 when missing, and must be
/// a directory of the user's (not a symbolic link: nothing is followed into someone else's),
/// over this image (its record names the image's path and size; a moved image of the same size
/// is the same one).
public enum KeptLayer {
    static func open(_ path: String, uid: UInt32, image: String, size: Int64) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw RuntimeError.setup("--overlay \(path)", reason: errnoText()) }
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw RuntimeError.setup("--overlay \(path)", reason: "not a directory")
        }
        guard st.st_uid == uid else { throw RuntimeError.setup("--overlay \(path)", reason: "not your directory (owned by uid \(st.st_uid))") }
        let dir = OverlayDirectory(path)
        if let base = dir.base() {
            guard base.image == image || base.size == size else {
                throw RuntimeError.setup("--overlay \(path)", reason: "holds the writes of another image (\(base.image)); name an empty directory")
            }
            return
        }
        // Written once, atomically, before the layer holds anything.
        let temporary = dir.imageRecord + ".\(getpid())"
        try Sys.write(temporary, OverlayDirectory.Base(image: image, size: size).text)
        guard rename(temporary, dir.imageRecord) == 0 else { throw RuntimeError.setup("--overlay \(path)", reason: errnoText()) }
    }
}

extension KeptLayer {
    /// Removes a kept overlay (or a directory of them: a job's named containers) as its user
    /// can: in a user namespace mapped as for --fakeroot, where the files the container gave
    /// other owners (subordinate ids) and the overlay's mode-000 work directories are theirs to
    /// remove. Nothing is followed: each directory is opened below its parent, O_NOFOLLOW.
    public static func remove(_ path: String) throws {
        try IDMapping(host: HostContext.current(), fakeroot: true).enter()
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        let dir = Glibc.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw RuntimeError.setup(parent, reason: errnoText()) }
        defer { close(dir) }
        try removeEntry(String(path[path.index(after: slash)...]), in: dir, shown: path)
    }

    private static func removeEntry(_ name: String, in parent: Int32, shown: String) throws {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else { throw RuntimeError.setup("removing \(shown)", reason: errnoText()) }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0, errno == EACCES {
            // A mode-000 directory (the overlay's work/work): ours to open once its mode allows it.
            _ = fchmodat(parent, name, 0o700, 0)
        }
        let d = fd >= 0 ? fd : openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard d >= 0, let stream = fdopendir(d) else { throw RuntimeError.setup("removing \(shown)", reason: errnoText()) }
        defer { closedir(stream) }
        for n in PlainSystem.names(in: stream) { try removeEntry(n, in: d, shown: shown + "/" + n) }
        guard unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            throw RuntimeError.setup("removing \(shown)", reason: errnoText())
        }
    }
}
