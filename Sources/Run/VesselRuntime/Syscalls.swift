import CLinux
import Glibc
import VesselBasics
import VesselImage

/// Thin, throwing wrappers over the mount and namespace calls, with the path in every error.
enum Sys {
    static func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String? = nil, what: String) throws {
        if Glibc.mount(source, target, type, flags, data) != 0 {
            throw RuntimeError.mount(what: what, target: target, reason: errnoText())
        }
    }

    /// `path` and its missing parents, as directories.
    static func mkdirs(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw RuntimeError.setup("creating \(path)", reason: errnoText())
            }
        }
    }

    /// An empty regular file to bind a file onto.
    static func touch(_ path: String) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try mkdirs(String(path[..<slash])) }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw RuntimeError.setup("creating \(path)", reason: errnoText()) }
        close(fd)
    }

    static func write(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError.setup("writing \(path)", reason: errnoText()) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        if Glibc.write(fd, bytes, bytes.count) != bytes.count { throw RuntimeError.setup("writing \(path)", reason: errnoText()) }
    }

    /// The flags a bind mount must keep when remounted in a user namespace (the kernel locks them).
    static func lockedFlags(_ path: String) -> UInt {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return 0 }
        var flags: UInt = 0
        let f = UInt(st.f_flag)
        if f & UInt(ST_NOSUID) != 0 { flags |= UInt(MS_NOSUID) }
        if f & UInt(ST_NODEV) != 0 { flags |= UInt(MS_NODEV) }
        if f & UInt(ST_NOEXEC) != 0 { flags |= UInt(MS_NOEXEC) }
        if f & UInt(ST_NOATIME) != 0 { flags |= UInt(MS_NOATIME) }
        if f & UInt(ST_NODIRATIME) != 0 { flags |= UInt(MS_NODIRATIME) }
        if f & UInt(ST_RELATIME) != 0 { flags |= UInt(MS_RELATIME) }
        return flags
    }

    /// The CPUs this process may run on (a Slurm job's cpuset, say): one system call, where
    /// ProcessInfo's count reads cgroup files.
    static func usableCPUs() -> Int {
        var set = cpu_set_t()
        guard sched_getaffinity(0, MemoryLayout<cpu_set_t>.size, &set) == 0 else { return 1 }
        let n = withUnsafeBytes(of: &set) { $0.reduce(0) { $0 + $1.nonzeroBitCount } }
        return max(1, n)
    }

    /// A user and a mount namespace of their own, or why not.
    static func unshareUserAndMount() throws {
        guard unshare(vessel_clone_newuser | vessel_clone_newns) != 0 else { return }
        let e = errno
        // The kernel refuses CLONE_NEWUSER to a process with more than one thread.
        if e == EINVAL, threadCount() > 1 { throw RuntimeError.namespaces(reason: "internal: \(threadCount()) threads already run") }
        let hint = e == EPERM || e == ENOSPC ? " (unprivileged user namespaces are disabled or exhausted on this node)" : ""
        throw RuntimeError.namespaces(reason: errnoText(e) + hint)
    }

    static func threadCount() -> Int {
        guard let s = PlainSystem.readText("/proc/self/status"),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return 1 }
        return Int(line.dropFirst(8).trimmed()) ?? 1
    }
}

/// The user namespace: the caller maps to itself (or to root with --fakeroot), with one id each.
enum UserNamespace {
    static func enter(uid: UInt32, gid: UInt32, fakeroot: Bool) throws {
        try Sys.unshareUserAndMount()
        let inside = fakeroot ? 0 : uid
        try Sys.write("/proc/self/setgroups", "deny")
        try Sys.write("/proc/self/uid_map", "\(inside) \(uid) 1\n")
        try Sys.write("/proc/self/gid_map", "\(fakeroot ? 0 : gid) \(gid) 1\n")
    }
}
