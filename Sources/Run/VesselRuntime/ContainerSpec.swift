import Glibc
// BindSpec, the one bind grammar, is VesselWire's; the runtime's users see it through this module.
@_exported import VesselWire

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
    /// A directory that keeps the container's writes (its `upper` and `work`) from one start to
    /// the next: a writable root that persists (a named container of the plugin is one).
    public var overlay: String?
    /// Where to write the container's root as a new image when it ends (`ContainerSave`).
    public var save: String?
    /// serve, with `save`: the job the provenance names ("JOBID.STEPID on NODE").
    public var saveJob: String?
    /// No $HOME, no current directory, a private /tmp.
    public var contain = false
    public var noHome = false
    public var workdir: String?
    /// Bring the host's NVIDIA driver libraries and programs in.
    public var nv = false
    /// Unpack the image into a private tmpfs instead of mounting it through FUSE.
    public var unpack = false
    /// Say what each step of the start does, and when (StepLog).
    public var verbose = false
    /// Namespaces of its own besides user, mount and PID: net (loopback only), ipc, uts.
    public var unshare: Set<String> = []
    /// exec: share one container with the other tasks given this key (`SharedContainer`); under
    /// srun the step's tasks share one unless `noJoin`.
    public var join: String?
    public var noJoin = false
    /// serve: a shared container's members file (SharedContainer), every task in it holding a
    /// shared lock on it; the container ends once it can lock it exclusively.
    public var membersFD: Int32 = -1
    /// serve: where to announce the container (VesselWire's `Announcement`).
    public var readyFD: Int32 = -1
    /// serve: the static vessel-hostexec binary, bound in as Slurm's commands.
    public var hostExec: String?

    /// Whether the root takes writes: a tmpfs that goes with the container, or `overlay`.
    public var writable: Bool { writableTmpfs || overlay != nil || save != nil }

    public init(image: String, mode: Mode, arguments: [String]) {
        self.image = image
        self.mode = mode
        self.arguments = arguments
    }
}
