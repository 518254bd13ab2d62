import Glibc
import VesselBasics
import VesselImage
import VesselWire

/// The mounts that make the container's file system, in order, as paths inside the container.
/// Computed before anything is mounted, so it can be shown and tested on its own.
public struct MountPlan: Equatable, Sendable {
    public struct Step: Equatable, Sendable {
        public enum Kind: Equatable, Sendable {
            /// A host path bound in; `recursive` carries the mounts below it along.
            case bind(source: String, recursive: Bool, readOnly: Bool)
            /// A fresh /proc of the container's PID namespace.
            case proc
            /// An empty, private tmpfs (mount options such as size=).
            case tmpfs(options: [String] = [], readOnly: Bool = false)
        }
        public var kind: Kind
        public var target: String
    }

    public private(set) var steps: [Step] = []

    /// System paths that are the container's own; the current directory is not bound over them.
    static let systemPaths = ["/proc", "/sys", "/dev", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/var/lib"]

    public init(spec: ContainerSpec, host: HostContext, gpu: GPUPlan? = nil) throws {
        // A served container (a Slurm step) keeps the host's PID namespace, whose /proc only
        // the host's may show; the tasks that join it are Slurm's processes.
        steps.append(Step(kind: spec.mode == .serve ? .bind(source: "/proc", recursive: true, readOnly: false) : .proc, target: "/proc"))
        steps.append(Step(kind: .bind(source: "/sys", recursive: true, readOnly: false), target: "/sys"))
        steps.append(Step(kind: .bind(source: "/dev", recursive: true, readOnly: false), target: "/dev"))
        for tmp in ["/tmp", "/var/tmp"] {
            // Not recursive: Vessel's own staging mounts live below /tmp.
            steps.append(Step(kind: spec.contain ? .tmpfs() : .bind(source: tmp, recursive: false, readOnly: false), target: tmp))
        }
        if !spec.contain, !spec.noHome, host.home != "/", PlainSystem.exists(host.home) {
            steps.append(Step(kind: .bind(source: host.home, recursive: true, readOnly: false), target: host.home))
        }
        if !spec.contain, !covered(host.cwd), !Self.systemPaths.contains(where: { host.cwd == $0 || host.cwd.hasPrefix($0 + "/") }) {
            steps.append(Step(kind: .bind(source: host.cwd, recursive: true, readOnly: false), target: host.cwd))
        }
        for file in gpu?.files ?? [] {
            steps.append(Step(kind: .bind(source: file.host, recursive: false, readOnly: true), target: file.container))
        }
        if let exec = spec.hostExec {
            for name in Self.hostCommands {
                steps.append(Step(kind: .bind(source: exec, recursive: false, readOnly: true), target: Self.hostCommandDirectory + "/" + name))
            }
        }
        for b in spec.binds {
            switch b.kind {
            case .umount:
                // Nothing at DST: a default mount (or one given before) is left out.
                steps.removeAll { $0.target == b.destination }
            case .tmpfs(let options):
                steps.append(Step(kind: .tmpfs(options: options, readOnly: b.readOnly), target: b.destination))
            case .bind:
                guard PlainSystem.exists(b.source) else { throw RuntimeError.bindSourceMissing(b.source) }
                let source = PlainSystem.absolute(b.source)
                steps.append(Step(kind: .bind(source: source, recursive: true, readOnly: b.readOnly), target: b.destination))
            }
        }
        // Last, so that no tmpfs or bind given above hides them: an MPI task's PMIx server
        // directories, at their own paths, when the container does not show them already.
        for dir in PMIxDirectories.named(in: host.environment) where !exposes(dir) && PlainSystem.exists(dir) {
            steps.append(Step(kind: .bind(source: dir, recursive: true, readOnly: false), target: dir))
        }
    }

    /// The host's Slurm commands a step's container can call (through vessel-hostexec).
    public static let hostCommands = ["srun", "sbatch", "salloc", "scancel", "squeue", "scontrol", "sinfo", "sacct", "sstat"]
    public static let hostCommandDirectory = "/.vessel/bin"

    /// Whether a path is inside something already bound (or is /).
    func covered(_ path: String) -> Bool {
        path == "/" || steps.contains { step in
            guard case .bind = step.kind else { return false }
            return path == step.target || path.hasPrefix(step.target + "/")
        }
    }

    /// Whether the container sees `path` of the host at the same place.
    public func exposes(_ path: String) -> Bool {
        steps.contains { step in
            guard case .bind(let source, _, _) = step.kind, source == step.target else { return false }
            return path == step.target || path.hasPrefix(step.target + "/")
        }
    }
}
