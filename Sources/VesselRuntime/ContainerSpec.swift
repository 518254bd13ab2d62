import Foundation

/// What the user asked for: the image, the command, and how the container is put together.
public struct ContainerSpec: Sendable {
    /// serve: no command; the container's root is built and kept until SIGTERM, for the
    /// tasks of a Slurm job step to join (see the SPANK plugin).
    public enum Mode: Sendable { case exec, run, shell, serve }

    public var image: String
    public var mode: Mode
    /// exec: the command; run: arguments replacing Cmd; shell: unused.
    public var arguments: [String]
    public var binds: [BindSpec] = []
    public var env: [String] = []
    public var envFiles: [String] = []
    public var cleanEnv = false
    public var fakeroot = false
    public var writableTmpfs = false
    /// No $HOME, no current directory, a private /tmp.
    public var contain = false
    public var noHome = false
    public var workdir: String?
    /// Bring the host's NVIDIA driver libraries and programs in.
    public var nv = false
    /// Unpack the image into a private tmpfs instead of mounting it through FUSE.
    public var unpack = false
    /// serve: where to announce the container (`ServeAnnouncement`).
    public var readyFD: Int32 = -1
    /// serve: the static vessel-hostexec binary, bound in as Slurm's commands.
    public var hostExec: String?

    public init(image: String, mode: Mode, arguments: [String]) {
        self.image = image
        self.mode = mode
        self.arguments = arguments
    }
}

/// `--bind SRC[:DST[:ro|rw]]`.
public struct BindSpec: Equatable, Sendable {
    public var source: String
    public var destination: String
    public var readOnly: Bool

    public init(source: String, destination: String, readOnly: Bool) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }

    public static func parse(_ s: String) throws -> BindSpec {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts[0].isEmpty else {
            throw RuntimeError.badBind(s, reason: "expected SRC[:DST[:ro|rw]]")
        }
        let dst = parts.count > 1 && !parts[1].isEmpty ? parts[1] : parts[0]
        guard dst.hasPrefix("/") else { throw RuntimeError.badBind(s, reason: "the destination must be an absolute path") }
        var ro = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": ro = true
            case "rw": ro = false
            default: throw RuntimeError.badBind(s, reason: "the option must be ro or rw, not \(parts[2])")
            }
        }
        return BindSpec(source: parts[0], destination: dst, readOnly: ro)
    }
}
