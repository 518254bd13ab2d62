import VesselWire

/// The plugin's arguments in plugstack.conf, e.g.
///     required /usr/lib/vessel/libvessel-spank.so runtime=/usr/bin/vessel cache=/shared/vessel mount-home=yes mounts=/scratch:/scratch
///         results-scratch=/local/scratch results-mount=/results
public struct PluginConfig {
    /// The vessel binary the plugin runs (on the submitting host and on the nodes).
    public var runtime = "/usr/bin/vessel"
    /// VESSEL_CACHE for the conversion at submission: a directory every node can read.
    public var cache: String?
    /// Whether $HOME is bound when the user says neither --container-mount-home nor --no-...
    public var mountHome = true
    /// Mounts every container gets, before the user's.
    public var mounts: [BindSpec] = []
    /// Node-local directory under which each job's /results lives until it is collected.
    public var resultsScratch = "/tmp"
    /// Where a job's results directory appears in the container.
    public var resultsMount = "/results"
    /// Defaults for jobs that say neither --container-writable nor --container-readonly, and
    /// likewise for remap-root and the Entrypoint (Pyxis's site settings; its spellings with _ too).
    public var writable = false
    public var remapRoot = false
    public var executeEntrypoint = false
    /// Node-local directory under which named containers (--container-name) are kept.
    public var containers = "/var/lib/vessel/containers"
    /// Whether a named container lives as long as its job (removed by the job's epilog) or
    /// until its user removes it (Pyxis's container_scope; Pyxis's default is global).
    public enum Scope: String, Sendable { case job, global }
    public var containerScope = Scope.job
    /// Whether sbatch and salloc take the container options (Pyxis's sbatch_support): with no,
    /// they do not know them, and a batch script runs on the node as it would without Vessel.
    public var sbatchSupport = true
    /// How long a node waits for the step's container to be made (the helper's announcement)
    /// before it fails the step: a helper stuck on a hung file system must not hold slurmstepd.
    public var startTimeout = 600.0
    /// How long the job epilog waits for what it starts as the user (`vessel collect`, `vessel
    /// remove-kept`): then they are killed and the node is free. A job's results can fail to be
    /// collected (the node keeps them, and says so); they cannot hold or drain the node. Keep
    /// it below slurm.conf's PrologEpilogTimeout.
    public var epilogTimeout = 300.0

    public init() {}

    public init(arguments: [String]) throws {
        for arg in arguments {
            guard let eq = arg.firstIndex(of: "=") else { throw OptionError("plugstack.conf: \(arg): expected KEY=VALUE") }
            let key = String(arg[..<eq]), value = String(arg[arg.index(after: eq)...])
            switch key {
            case "runtime": runtime = value
            case "cache": cache = value
            case "mount-home", "writable", "remap-root", "remap_root", "execute-entrypoint", "execute_entrypoint", "sbatch-support", "sbatch_support":
                guard let on = ContainerOption.boolean(value) else { throw OptionError("plugstack.conf: \(key) takes yes or no") }
                switch key {
                case "mount-home": mountHome = on
                case "writable": writable = on
                case "remap-root", "remap_root": remapRoot = on
                case "sbatch-support", "sbatch_support": sbatchSupport = on
                default: executeEntrypoint = on
                }
            case "container-scope", "container_scope":
                guard let scope = Scope(rawValue: value) else { throw OptionError("plugstack.conf: \(key) takes job or global") }
                containerScope = scope
            case "start-timeout", "start_timeout", "epilog-timeout", "epilog_timeout":
                guard let seconds = Double(value), seconds > 0, seconds < 1e9 else { throw OptionError("plugstack.conf: \(key) takes a number of seconds") }
                if key.hasPrefix("start") { startTimeout = seconds } else { epilogTimeout = seconds }
            case "containers":
                guard value.hasPrefix("/") else { throw OptionError("plugstack.conf: \(key)=\(value) is not an absolute path") }
                containers = value
            case "mounts":
                do { mounts = try BindSpec.parseList(value, pathSource: true) } catch let r as BindSpec.Refusal {
                    throw OptionError("plugstack.conf: mounts=\(value): \(r.reason)")
                }
            case "results-scratch", "results-mount":
                guard value.hasPrefix("/") else { throw OptionError("plugstack.conf: \(key)=\(value) is not an absolute path") }
                if key == "results-scratch" { resultsScratch = value } else { resultsMount = value }
            default: throw OptionError("plugstack.conf: unknown argument \(key) (known: runtime, cache, mount-home, mounts, results-scratch, results-mount, writable, remap-root, execute-entrypoint, containers, container-scope, sbatch-support, start-timeout, epilog-timeout)")
            }
        }
    }
}
