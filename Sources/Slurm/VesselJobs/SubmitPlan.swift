import Foundation
import VesselBuild
import VesselImage
import VesselPlacement
import VesselResults
import VesselSlurm
import VesselSquashFS
import VesselWire

/// Everything `vessel submit` decides before it asks Slurm: the request (from options and the
/// script's #SBATCH lines), the image, where results go, and the job as submitted.
public struct SubmitPlan {
    public var request = JobRequest()
    public var requirements = ImageRequirements()
    public var imageSource: String
    public var imageDigest: String?
    public var script: String
    public var command: [String]
    public var array: String?
    public var qos: String?
    public var name: String
    public var output: String
    public var error: String?
    public var resultsRoot: String
    public var user: String
    public var directory: String

    public init(_ s: SubmitOptions) throws {
        let fm = FileManager.default
        directory = fm.currentDirectoryPath
        user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.userName()
        var d: [String: String] = [:]   // #SBATCH values, by long name
        var scriptImage: String?
        let isScript = fm.fileExists(atPath: s.target) && (try? SquashFSImage.superBlock(path: s.target)) == nil && Self.startsWithShebang(s.target)
        if isScript {
            guard s.command.isEmpty else { throw SubmitError.invalid("a batch script takes no command after --") }
            guard let text = try? String(contentsOfFile: s.target, encoding: .utf8) else {
                throw SubmitError.invalid("\(s.target): not a readable text file")
            }
            script = text
            command = [s.target]
            let longNames = ["N": "nodes", "c": "cpus-per-task", "t": "time", "p": "partition", "a": "array",
                             "J": "job-name", "o": "output", "e": "error", "G": "gpus", "A": "account", "q": "qos"]
            var ignored: [String] = []
            for (name, value) in BatchScript.directives(text) {
                let long = longNames[name] ?? name
                let known = ["nodes", "cpus-per-task", "time", "partition", "array", "job-name", "output", "error",
                             "gpus", "gpus-per-node", "gres", "ntasks-per-node", "mem", "container-image", "container-results",
                             "account", "qos"]
                if known.contains(long), let value { d[long] = value } else { ignored.append("--" + long) }
            }
            if !ignored.isEmpty, !s.quiet {
                FileHandle.standardError.write(Data("vessel submit: \(s.target): #SBATCH \(ignored.joined(separator: " ")) ignored (not a vessel submit option)\n".utf8))
            }
            scriptImage = d["container-image"]
            guard let img = s.image ?? scriptImage else {
                throw SubmitError.invalid("\(s.target) names no image: add --image IMAGE or an #SBATCH --container-image=IMAGE line")
            }
            imageSource = img
        } else {
            guard !s.command.isEmpty else {
                throw SubmitError.invalid("name the command to run after --, as in: vessel submit \(s.target) -- python3 train.py")
            }
            imageSource = s.target
            command = s.command
            script = ""
        }

        // GPUs: --gpus N, or #SBATCH --gpus[-per-node]=[TYPE:]N, or --gres=gpu[:TYPE]:N.
        var gpuTypes = s.gpuType.map { $0.split(separator: ",").map(String.init) } ?? []
        var gpus = s.gpus
        if gpus == nil, let g = d["gpus-per-node"] ?? d["gpus"] ?? d["gres"].map({ $0.hasPrefix("gpu:") ? String($0.dropFirst(4)) : $0 }) {
            let parts = g.split(separator: ":").map(String.init)
            guard let n = Int(parts.last ?? "") else { throw SubmitError.invalid("#SBATCH GPU request \(g) is not [TYPE:]COUNT") }
            gpus = n
            if parts.count == 2, gpuTypes.isEmpty { gpuTypes = [parts[0]] }
        }
        request.gpusPerNode = gpus ?? 0
        request.gpuTypes = gpuTypes
        if request.gpusPerNode < 0 { throw SubmitError.invalid("--gpus must be 0 or more") }
        if !gpuTypes.isEmpty, request.gpusPerNode == 0 { throw SubmitError.invalid("--gpu-type needs --gpus N") }
        func count(_ flag: Int?, _ key: String, _ name: String) throws -> Int? {
            if let flag { return flag }
            guard let v = d[key] else { return nil }
            guard let n = Int(v) else { throw SubmitError.invalid("#SBATCH --\(key)=\(v): \(name) must be a number") }
            return n
        }
        request.nodes = try count(s.nodes, "nodes", "nodes") ?? 1
        request.tasksPerNode = try count(s.tasksPerNode, "ntasks-per-node", "tasks per node") ?? 1
        request.cpusPerTask = try count(s.cpusPerTask, "cpus-per-task", "CPUs per task") ?? 1
        guard request.nodes >= 1, request.tasksPerNode >= 1, request.cpusPerTask >= 1 else {
            throw SubmitError.invalid("--nodes, --tasks-per-node and --cpus-per-task must be at least 1")
        }
        if let m = s.mem ?? d["mem"] {
            guard let mb = SlurmValues.megabytes(m) else { throw SubmitError.invalid("--mem \(m): not a size such as 4000, 500M or 16G") }
            request.memoryMB = mb
        }
        if let t = s.time ?? d["time"] {
            guard let minutes = SlurmValues.minutes(t), minutes > 0 else {
                throw SubmitError.invalid("--time \(t): not a time limit such as 90, 2:00:00 or 1-12")
            }
            request.timeMinutes = minutes
        }
        let p = s.partition ?? d["partition"] ?? "auto"
        request.partitions = p == "auto" ? nil : p.split(separator: ",").map(String.init)
        request.userGroups = Self.groupNames()
        array = s.array ?? d["array"]
        request.account = s.account ?? d["account"]
        qos = s.qos ?? d["qos"]
        name = s.jobName ?? d["job-name"] ?? URL(fileURLWithPath: command.first ?? "vessel").lastPathComponent
        output = Self.absolute(s.output ?? d["output"] ?? (array == nil ? "slurm-%j.out" : "slurm-%A_%a.out"), in: directory)
        let here = directory
        error = (s.error ?? d["error"]).map { Self.absolute($0, in: here) }

        resultsRoot = Self.absolute(s.results ?? d["container-results"] ?? JobResults.defaultRoot(), in: directory)
    }

    /// The image as a SquashFS file every node reads (converted into the cache once), with its
    /// digest for the job's provenance.
    public mutating func resolveImage(with puller: Puller, quiet: Bool) throws -> String {
        let path = try puller.resolve(imageSource, options: try BuildOptions.defaults(), progressStyle: Progress.defaultStyle(quiet: quiet))
        let inspection = try Inspection(path: path)
        imageDigest = inspection.provenance.map { $0.manifestDigest ?? $0.configDigest }
        return path
    }

    /// RESULTS_ROOT/USER made now (this user's, 0700: see UserResultsDirectory), so that a root
    /// the user cannot write to, or a USER directory someone else made, is refused before the
    /// job runs rather than reported after it ends.
    public func prepareResultsRoot() throws {
        let home: UserResultsDirectory
        do { home = try UserResultsDirectory(root: resultsRoot, user: user) } catch {
            throw SubmitError.resultsRoot(resultsRoot, "\(error)")
        }
        guard faccessat(home.fd, ".", W_OK, 0) == 0 else { throw SubmitError.resultsRoot(resultsRoot, "\(home.name) is not writable") }
    }

    public static func requirements(_ path: String) throws -> ImageRequirements {
        let labels = try Inspection(path: path).config?.labels ?? [:]
        return try ImageRequirements(labels: labels)
    }

    /// The batch job for one placement candidate. Options reach the plugin as sbatch passes
    /// them: _SLURM_SPANK_OPTION_* in the job's environment for the batch step (slurmstepd
    /// reads and removes them), SLURM_SPANK__SLURM_SPANK_OPTION_* for srun inside the job, and
    /// the SPANK job environment for the epilog that collects results.
    public func job(for c: Candidate, image: String) throws -> JobDescription {
        var j = JobDescription()
        j.name = name
        j.partition = c.partition
        j.nodes = request.nodes
        j.tasksPerNode = request.tasksPerNode
        j.cpusPerTask = request.cpusPerTask
        j.memoryMB = request.memoryMB
        j.timeMinutes = request.timeMinutes
        if request.gpusPerNode > 0 {
            j.gresPerNode = "gres:gpu:\(c.gpuType.map { "\($0):" } ?? "")\(request.gpusPerNode)"
        }
        j.array = array
        j.account = request.account
        j.qos = qos
        j.workDir = directory
        j.stdout = output
        j.stderr = error
        j.comment = JobComment.results(resultsRoot)
        j.script = script.isEmpty ? BatchScript.running(command, tasks: request.nodes * request.tasksPerNode, image: imageSource) : script
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("SLURM_") { env[k] = nil }  // as sbatch: nothing of an enclosing job
        let imageOption = SpankNames.optionVariable(ContainerOption.row(.image).plugin!.long)
        let resultsOption = SpankNames.optionVariable(ContainerOption.row(.results).plugin!.long)
        for (name, value) in [(imageOption, image), (resultsOption, resultsRoot)] {
            env[name] = value
            env["SLURM_SPANK_" + name] = value
        }
        env[SpankNames.image] = image
        env[SpankNames.imagePath] = image
        j.environment = env.map { "\($0.key)=\($0.value)" }.sorted()
        let commandJSON = String(decoding: try JSONEncoder().encode(command), as: UTF8.self)
        j.spankEnvironment = [
            "\(imageOption)=\(image)",
            "\(resultsOption)=\(resultsRoot)",
            "\(SpankNames.imageReference)=\(imageSource)",
            "\(SpankNames.provenanceImagePath)=\(image)",
            "\(SpankNames.command)=\(commandJSON)",
        ] + (imageDigest.map { ["\(SpankNames.imageDigest)=\($0)"] } ?? [])
        return j
    }

    static func absolute(_ path: String, in dir: String) -> String {
        path.hasPrefix("/") ? path : dir + "/" + path
    }

    static func startsWithShebang(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 2)) == Data("#!".utf8)
    }

    public static func userName() -> String {
        guard let pw = getpwuid(getuid()) else { return String(getuid()) }
        return String(cString: pw.pointee.pw_name)
    }

    static func groupNames() -> [String] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        guard let pw = getpwuid(getuid()) else { return [] }
        if getgrouplist(pw.pointee.pw_name, pw.pointee.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            getgrouplist(pw.pointee.pw_name, pw.pointee.pw_gid, &groups, &count)
        }
        return groups.prefix(Int(count)).compactMap { g in getgrgid(g).map { String(cString: $0.pointee.gr_name) } }
    }
}

/// A cluster inventory saved to a file, with Slurm's start estimates per partition: lets
/// placement be replayed and benchmarked without a cluster (`vessel submit --inventory FILE`).
public struct RecordedInventory: Codable {
    public struct Start: Codable {
        /// Seconds from now.
        var startIn: TimeInterval
        var nodes: [String]?
    }

    public var inventory: Inventory
    public var estimates: [String: Start]

    public static func load(_ path: String) throws -> RecordedInventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SubmitError.invalid("--inventory \(path): not a readable file")
        }
        return try JSONDecoder().decode(RecordedInventory.self, from: data)
    }

    public func estimate(_ c: Candidate, now: Date) -> Estimate {
        let e = estimates[c.partition]
        return Estimate(start: now.addingTimeInterval(e?.startIn ?? 0), nodes: e?.nodes ?? [])
    }
}

public enum SubmitError: Error, CustomStringConvertible {
    case resultsRoot(String, String)
    /// A request that cannot be submitted as written (the command line says it as a usage error).
    case invalid(String)

    public var description: String {
        switch self {
        case .resultsRoot(let root, let why): return "results root \(root): \(why); nothing submitted"
        case .invalid(let why): return why
        }
    }
}
