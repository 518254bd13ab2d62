/// A batch job as Vessel submits it (libslurm's job_desc_msg_t, in Swift terms).
public struct JobDescription: Sendable {
    public var name = "vessel"
    public var script = ""
    /// The job's environment (what sbatch's --export=ALL gives).
    public var environment: [String] = []
    /// Variables the job's prolog and epilog see (with SPANK_ before their names): how the
    /// plugin's epilog learns what to collect.
    public var spankEnvironment: [String] = []
    public var workDir = "/"
    public var stdout: String?
    public var stderr: String?
    public var partition: String?
    public var account: String?
    public var qos: String?
    public var nodes = 1
    public var tasksPerNode = 1
    public var cpusPerTask = 1
    public var memoryMB: Int?
    public var timeMinutes: Int?
    /// `gres:gpu:a100:2`: per node, as --gres.
    public var gresPerNode: String?
    public var array: String?
    public var comment: String?

    public init() {}
}
