import CLinux
import Glibc
import VesselBasics

/// `--save FILE`: once the container has ended, its root (the image below, the layer it wrote
/// above) is written as a new image by `vessel-cli save-container`, which has the converter
/// the front leaves out. That process is forked before the container's PID namespace is made
/// (once its process 1 has ended, nothing more can be forked in it) and waits; it runs in the
/// container's user and mount namespaces, so it reads the layer with the owners the container
/// gave its files. It says itself, on standard error, what it wrote or why it could not.
final class SaveRequest {
    private let pid: pid_t
    private let goFD: Int32
    private var ran = false
    // Kept for the waiting child, which execs with them.
    private let argv: [UnsafeMutablePointer<CChar>?]
    private let envp: [UnsafeMutablePointer<CChar>?]

    /// `image`: the descriptor of the file that ran, which the process reads as its fd 4.
    init(output: String, image: Int32, layer: UpperLayer, job: String?) throws {
        let cli = PlainSystem.companion("vessel-cli") ?? "vessel-cli"
        var words = [cli, "save-container", "--image", "/proc/self/fd/4", "--upper", layer.upper, "--made", layer.madeRecord]
        if let job { words += ["--job", job] }
        words.append(output)
        argv = words.map { strdup($0) } + [nil]
        var env: [UnsafeMutablePointer<CChar>?] = []
        var p = Glibc.environ
        while let e = p.pointee { env.append(strdup(e)); p += 1 }
        envp = env + [nil]
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw RuntimeError.setup("--save \(output)", reason: errnoText()) }
        let child = vessel_fork_waiting(cli, argv, envp, fds[0], image)
        close(fds[0])
        guard child > 0 else {
            close(fds[1])
            throw RuntimeError.setup("--save \(output)", reason: errnoText())
        }
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        pid = child
        goFD = fds[1]
    }

    /// Not run (the container did not start): the waiting process ends when the pipe closes.
    deinit {
        if !ran { close(goFD) }
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }

    /// Saves now; whether the image was written.
    func run() -> Bool {
        ran = true
        var go: UInt8 = 1
        let sent = write(goFD, &go, 1) == 1
        close(goFD)
        let status = Syscall.wait(pid)?.status ?? -1
        return sent && status == 0
    }
}
