#if canImport(Glibc)
import Glibc
#endif

/// A program run to its end with posix_spawn, its standard error kept. Not Foundation's
/// Process: its helper thread would keep this process from entering a user namespace
/// afterwards (a multi-threaded process cannot), and the static front has no Foundation.
public enum Spawned {
    /// Runs `words` (words[0] a path) with this process's environment and standard input; its
    /// exit status as waitpid gives it, what it wrote to standard output (when `output`: else
    /// that is this process's) and to standard error, or the errno of a failed start. For
    /// programs that say little: each stream is read to its end in turn.
    public static func run(_ words: [String], output: Bool = false) -> Result<(status: Int32, stdout: String, stderr: String), SyscallError> {
        var errors: [Int32] = [-1, -1], outputs: [Int32] = [-1, -1]
        guard pipe(&errors) == 0, !output || pipe(&outputs) == 0 else { return .failure(SyscallError(errno)) }
        for fd in errors + outputs where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        if output { posix_spawn_file_actions_adddup2(&actions, outputs[1], 1) }
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, words[0], &actions, nil, argv, environ)
        for fd in [errors[1], outputs[1]] where fd >= 0 { close(fd) }
        defer { for fd in [errors[0], outputs[0]] where fd >= 0 { close(fd) } }
        guard rc == 0 else { return .failure(SyscallError(rc)) }
        let said = output ? Syscall.readAll(outputs[0]) ?? [] : []
        let complained = Syscall.readAll(errors[0]) ?? []
        return .success((Syscall.wait(pid)?.status ?? -1, String(decoding: said, as: UTF8.self), String(decoding: complained, as: UTF8.self)))
    }
}

/// An errno, with its text.
public struct SyscallError: Error, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
}
