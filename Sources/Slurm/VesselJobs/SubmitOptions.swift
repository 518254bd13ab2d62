/// What `vessel submit` was asked for, as values (the command line's, before #SBATCH lines and
/// defaults fill the rest in: SubmitPlan).
public struct SubmitOptions {
    /// The image, or a batch script.
    public var target: String
    /// The command to run in the image (none for a script).
    public var command: [String] = []
    /// The image for a script without an #SBATCH --container-image line.
    public var image: String?
    public var gpus: Int?
    public var gpuType: String?
    public var nodes: Int?
    public var tasksPerNode: Int?
    public var cpusPerTask: Int?
    public var mem: String?
    public var time: String?
    public var partition: String?
    public var array: String?
    public var account: String?
    public var qos: String?
    public var results: String?
    public var jobName: String?
    public var output: String?
    public var error: String?
    public var quiet = false

    public init(target: String) { self.target = target }
}
