#if canImport(Glibc)
import Glibc
#endif

/// A program run to its end with posix_spawn, its standard error kept. Not Foundation's
/// Process: its helper thread would keep this process from entering a user namespace
/// afterwards (a multi-threaded process cannot), and the static front has no Foundation.
public enum Spawned {
    /// Runs `words` (words[0] a path) with this process's environment and standard input and
    /// output; its exit status as waitpid gives it and what it wrote to standard error, or the
    /// errno of a failed start.
    public static func run(_ words: [String]) -> Result<(status: Int32, stderr: String), SyscallError> {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { return .failure(SyscallError(errno)) }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, words[0], &actions, nil, argv, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard rc == 0 else { return .failure(SyscallError(rc)) }
        var said: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Syscall.retrying { read(pipeFDs[0], &chunk, chunk.count) }
            if n <= 0 { break }
            said += chunk[0..<n]
        }
        return .success((Syscall.wait(pid)?.status ?? -1, String(decoding: said, as: UTF8.self)))
    }
}

/// An errno, with its text.
public struct SyscallError: Error, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
}
