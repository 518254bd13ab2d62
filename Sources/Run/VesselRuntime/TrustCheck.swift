import Foundation
import Glibc
import VesselBasics
import VesselImage

/// The site's trust policy (require-signature in vessel.conf), checked on the image file as
/// opened. Verifying a signature takes the signature code and swift-crypto (VesselSign), which
/// the static front leaves out: vessel-cli, which links them, sets `verify`; the front, when
/// the site requires a signature, asks vessel-cli (`trust-check`) to check the same file through
/// /proc/PID/fd/N, the descriptor this process holds.
public enum TrustCheck {
    /// Checks the file at `path` (a descriptor's path) against the policy; throws the reason.
    public nonisolated(unsafe) static var verify: ((_ path: String) throws -> Void)?

    static func check(_ file: OpenedFile, environment: [String: String]) throws {
        guard SiteConfig.load(environment: environment).requireSignature else { return }
        if let verify {
            do { try verify(file.path) } catch { throw RuntimeError.untrusted(file.named("\(error)")) }
            return
        }
        let cli = PlainSystem.companion("vessel-cli") ?? "vessel-cli"
        let path = "/proc/\(getpid())/fd/\(file.fd)"
        // posix_spawn, not Foundation's Process: its helper thread would keep this process from
        // entering a user namespace afterwards (a multi-threaded process cannot).
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw RuntimeError.untrusted("\(file.name): cannot check its signature: \(errnoText())") }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let words: [String] = [cli, "trust-check", path]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, cli, &actions, nil, argv, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard rc == 0 else {
            throw RuntimeError.untrusted("\(file.name): the site requires a signature, and \(cli), which checks it, cannot run: \(errnoText(rc))")
        }
        var said: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Syscall.retrying { read(pipeFDs[0], &chunk, chunk.count) }
            if n <= 0 { break }
            said += chunk[0..<n]
        }
        let status = Syscall.wait(pid)?.status ?? -1
        guard status == 0 else {
            let reason = String(decoding: said, as: UTF8.self).split(separator: "\n").first.map(String.init)
                ?? "\(cli) trust-check failed (\(status))"
            throw RuntimeError.untrusted(reason.replacing(path, with: file.name))
        }
    }
}
