import CLinux
import Foundation

/// Thin, throwing wrappers over the mount and namespace calls, with the path in every error.
enum Sys {
    static func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String? = nil, what: String) throws {
        if Glibc.mount(source, target, type, flags, data) != 0 {
            throw RuntimeError.mount(what: what, target: target, reason: errnoText())
        }
    }

    static func mkdirs(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError.setup("creating \(path)", reason: (error as NSError).localizedFailureReason ?? "\(error)")
        }
    }

    /// An empty regular file to bind a file onto.
    static func touch(_ path: String) throws {
        try mkdirs(URL(fileURLWithPath: path).deletingLastPathComponent().path)
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

    /// A small file's text (invalid UTF-8 repaired), or nil when it cannot be read. Plain system
    /// calls: on the start path Foundation's file reading costs more than the reading.
    static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
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
        guard let s = readText("/proc/self/status"),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return 1 }
        return Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? 1
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
