import ArgumentParser
import Foundation
import VesselJobs
import VesselBuild
import VesselImage
import VesselPlacement
import VesselSlurm

/// `vessel submit`: say what the job needs; Vessel finds the partition where it starts soonest,
/// submits it there to run in the image, and brings its /results home.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a container job to the Slurm partition where it starts soonest, and collect its results.",
        discussion: """
        Two forms:

            vessel submit [options] IMAGE -- CMD [ARGS...]
            vessel submit [options] SCRIPT.sbatch

        IMAGE is a .sqsh file or any source vessel build or pull accepts; it is resolved (pulled \
        or converted into the cache, pinned to its digest) before anything is submitted. A \
        SCRIPT names its image with --image or an `#SBATCH --container-image=...` line; its \
        other #SBATCH lines for the options below are read too (the command line wins).

        Placement reads the cluster's partitions and nodes, excludes those that can never run \
        the job (GPU type and count per node, CPUs, memory, time limit, node count, \
        AllowGroups, and the image's org.vessel.gpu.types and org.vessel.cuda labels against \
        node features), asks Slurm when the job would start in each of the others, and takes \
        the earliest; then the one that leaves the fewest GPUs idle; then the higher \
        PriorityTier. --dry-run shows that table and submits nothing.

        The job runs in the image through Vessel's Slurm plugin. Whatever it writes to \
        /results (node-local scratch) is copied at the end of the job, whether it succeeded, \
        failed, was cancelled or hit its time limit, to RESULTS_ROOT/USER/JOBID[_TASK]/ (one \
        subdirectory per node for multi-node jobs), with a MANIFEST and a provenance.json. \
        See vessel-results(1).

        Examples:
            vessel submit --gpus 1 --gpu-type a100,v100 -t 2:00:00 train.sqsh -- ./train.py
            vessel submit --gpus 2 --array 0-3 docker://ghcr.io/lab/sweep:1.2 -- ./sweep.py
            vessel submit --dry-run --gpus 8 --gpu-type a100 train.sqsh -- true
            vessel submit job.sbatch
        """
    )

    @Option(help: ArgumentHelp("GPUs per node.", valueName: "N"))
    var gpus: Int?

    @Option(help: ArgumentHelp("GPU types the job accepts (as the cluster's GRES names them); any when not given.", valueName: "TYPE[,TYPE...]"))
    var gpuType: String?

    @Option(name: [.customShort("N"), .long], help: ArgumentHelp("Nodes.", valueName: "N"))
    var nodes: Int?

    @Option(help: ArgumentHelp("Tasks on each node (more than one runs CMD through srun).", valueName: "N"))
    var tasksPerNode: Int?

    @Option(name: [.customShort("c"), .long], help: ArgumentHelp("CPUs per task.", valueName: "N"))
    var cpusPerTask: Int?

    @Option(help: ArgumentHelp("Memory per node, as sbatch takes it (4000, 16G).", valueName: "SIZE"))
    var mem: String?

    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Time limit, as sbatch takes it (90, 2:00:00, 1-12).", valueName: "TIME"))
    var time: String?

    @Option(name: [.customShort("p"), .long], help: ArgumentHelp("auto (every partition), or the partitions to choose from.", valueName: "auto|P1,P2,..."))
    var partition: String?

    @Option(name: [.customShort("a"), .long], help: ArgumentHelp("A job array for parameter sweeps (0-15, 1,3,5, 0-99%10); each task sees SLURM_ARRAY_TASK_ID.", valueName: "INDEXES"))
    var array: String?

    @Option(name: [.customShort("A"), .long], help: ArgumentHelp("The account to charge (checked against partitions' AllowAccounts and DenyAccounts).", valueName: "NAME"))
    var account: String?

    @Option(help: ArgumentHelp("Quality of service (sbatch -q).", valueName: "QOS"))
    var qos: String?

    @Option(help: ArgumentHelp("RESULTS_ROOT on a shared filesystem (default: results-root in vessel.conf, else ~/vessel-results).", valueName: "DIR"))
    var results: String?

    @Option(help: ArgumentHelp("The image, for a SCRIPT without an #SBATCH --container-image line.", valueName: "IMAGE"))
    var image: String?

    @Option(name: [.customShort("J"), .long], help: ArgumentHelp("Job name (default: the command's name).", valueName: "NAME"))
    var jobName: String?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Standard output file, with sbatch's % patterns (default slurm-%j.out here).", valueName: "FILE"))
    var output: String?

    @Option(name: [.customShort("e"), .long], help: ArgumentHelp("Standard error file (default: with the output).", valueName: "FILE"))
    var error: String?

    @Flag(help: "Show the partitions considered, each with its verdict, reason and estimated start; submit nothing.")
    var dryRun = false

    @Flag(help: "Print the placement (and the job id) as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the job id.")
    var quiet = false

    @Option(help: .hidden)
    var inventory: String?

    @Argument(help: ArgumentHelp("The image, or a batch script.", valueName: "IMAGE|SCRIPT"))
    var target: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run in the image (after --).", valueName: "CMD"))
    var command: [String] = []

    func run() throws {
        do {
            try submit()
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            throw e
        } catch SubmitError.invalid(let why) {
            throw ValidationError(why)
        } catch {
            throw fail("submit", error)
        }
    }

    /// The command line as values, for SubmitPlan.
    private var options: SubmitOptions {
        var o = SubmitOptions(target: target)
        o.command = command
        o.image = image
        o.gpus = gpus
        o.gpuType = gpuType
        o.nodes = nodes
        o.tasksPerNode = tasksPerNode
        o.cpusPerTask = cpusPerTask
        o.mem = mem
        o.time = time
        o.partition = partition
        o.array = array
        o.account = account
        o.qos = qos
        o.results = results
        o.jobName = jobName
        o.output = output
        o.error = error
        o.quiet = quiet
        return o
    }

    private func submit() throws {
        var plan = try SubmitPlan(options)
        let recorded = try inventory.map { try RecordedInventory.load($0) }
        let client = recorded == nil ? try SlurmClient() : nil
        // The image first (a conversion may take a while), so that placement sees the cluster
        // as it is when the job goes in.
        let imagePath = try plan.resolveImage(with: try Puller.configured(registry: .standard(quiet: quiet || json), quiet: quiet || json),
                                              quiet: quiet || json)
        plan.requirements = try SubmitPlan.requirements(imagePath)
        let started = Date()
        let live = try recorded?.inventory ?? client!.inventory()
        let inventoryTime = Date().timeIntervalSince(started)

        var slurmTime: TimeInterval = 0
        let now = Date()
        let placement = try Planner().place(live, request: plan.request, requirements: plan.requirements, now: now) { candidate in
            let t = Date()
            defer { slurmTime += Date().timeIntervalSince(t) }
            if let recorded { return recorded.estimate(candidate, now: now) }
            return try client!.willRun(plan.job(for: candidate, image: imagePath), partition: candidate.partition)
        }
        let decisionTime = Date().timeIntervalSince(now) - slurmTime
        let timings = SubmitTimings(inventory: inventoryTime, estimates: slurmTime, decision: decisionTime)

        if dryRun || recorded != nil {
            if json {
                try printReport(SubmitReport(jobID: nil, partition: placement.chosen?.partition, gres: nil, results: nil, placement: placement, timings: timings))
            } else {
                print(PlacementTable.render(placement))
                print("dry run: nothing submitted")
            }
            return
        }
        guard let chosen = placement.chosen, let client else { return }
        try plan.prepareResultsRoot()
        let job = try plan.job(for: Candidate(partition: chosen.partition, gpuType: chosen.gpuType, eligibleNodes: []), image: imagePath)
        let id = try client.submit(job)
        let resultsPath = "\(plan.resultsRoot)/\(plan.user)/\(id)\(array != nil || plan.array != nil ? "_*" : "")"
        if json {
            try printReport(SubmitReport(jobID: id, partition: chosen.partition, gres: job.gresPerNode, results: resultsPath, placement: placement, timings: timings))
        } else if quiet {
            print(id)
        } else {
            print(PlacementTable.render(placement))
            print("Submitted job \(id) to \(chosen.partition)\(job.gresPerNode.map { " (\($0) per node)" } ?? "")")
            print("Results: \(resultsPath)")
        }
    }
}

struct SubmitTimings: Codable {
    var inventory: TimeInterval
    var estimates: TimeInterval
    var decision: TimeInterval
}

struct SubmitReport: Codable {
    var jobID: UInt32?
    var partition: String?
    var gres: String?
    var results: String?
    var placement: Placement
    var timings: SubmitTimings
}

/// The --json output of the Slurm commands: snake_case keys and ISO 8601 times, as
/// provenance.json has them.
func printReport<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder.stable
    e.keyEncodingStrategy = .convertToSnakeCase
    e.dateEncodingStrategy = .iso8601
    print(String(decoding: try e.encode(value), as: UTF8.self))
}
