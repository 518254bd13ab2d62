import ArgumentParser
import Foundation
import VesselJobs
import VesselBasics
import VesselBuild
import VesselImage
import VesselResults
import VesselSlurm
import VesselWire

/// The Slurm plugin runs this at the end of a job on each node (its epilog, as the job's user):
/// the node's /results go home with a MANIFEST and provenance.json. Failures are written into
/// the job's error file, since nobody watches an epilog.
struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Copy a finished job's results from this node to the results root (used by the Slurm plugin).",
        shouldDisplay: false)

    @Option(help: "The node-local directory the job's containers saw as /results.")
    var scratch: String

    @Option(help: "RESULTS_ROOT.")
    var results: String

    @Option(help: "Where the directory appeared in the container.")
    var resultsMount = "/results"

    @Option(help: "Seconds the collection may take before it stops and says so (the epilog's limit, less a margin).")
    var deadline: Double?

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        func spank(_ name: String) -> String? { env["SPANK_" + name] ?? env[name] }
        let node = env["SLURMD_NODENAME"] ?? "node"
        let jobID = env["SLURM_JOB_ID"].flatMap { UInt32($0) } ?? 0
        let info = (try? SlurmClient().job(jobID))?.first { $0.id == jobID }
        let codes = (env["SLURM_JOB_EXIT_CODE2"] ?? "").split(separator: ":").map { Int($0) ?? 0 }
        let nodes = info?.nodes ?? env["SLURM_JOB_NODELIST"] ?? env["SLURM_NODELIST"] ?? node
        let nodeCount = info?.nodeCount ?? Int(env["SLURM_JOB_NUM_NODES"] ?? "1") ?? 1
        let imageOption = SpankNames.optionVariable(ContainerOption.row(.image).plugin!.long)
        let command = spank(SpankNames.command).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            ?? info?.command.map { [$0] } ?? []
        let template = ResultProvenance(
            jobID: info?.displayID ?? String(jobID),
            jobName: info?.name,
            user: env["SLURM_JOB_USER"] ?? SubmitPlan.userName(),
            image: .init(reference: spank(SpankNames.imageReference) ?? spank(imageOption),
                         digest: spank(SpankNames.imageDigest),
                         path: spank(SpankNames.provenanceImagePath) ?? spank(imageOption)),
            command: command,
            partition: info?.partition ?? env["SLURM_JOB_PARTITION"],
            nodes: SlurmClient.expand(nodes),
            node: node,
            gpusRequested: info?.gresPerNode,
            gpuDevices: env["SLURM_JOB_GPUS"],
            state: info?.state,
            // The epilog's SLURM_JOB_EXIT_CODE2 can say 0:0 for a cancelled job whose record
            // already holds the signal; take whichever knows more.
            exitCode: codes.first.flatMap { $0 != 0 ? $0 : nil } ?? info?.exitStatus ?? 0,
            signal: codes.count > 1 && codes[1] != 0 ? codes[1] : info?.signal ?? 0,
            startTime: info?.startTime,
            endTime: info?.endTime ?? Date(),
            vesselVersion: VesselVersion.current,
            collection: .init(status: .collected, attempts: 0, files: 0, bytes: 0, collectedAt: Date()))
        var collector = ResultCollector(scratch: scratch, root: results, perNode: nodeCount > 1)
        collector.deadline = deadline.map { Date(timeIntervalSinceNow: $0) }
        let written = collector.collect(template)
        if written.collection.status == .failed {
            let line = "vessel: job \(template.jobID): the results on \(node) (\(resultsMount)) were not copied to \(collector.destination(for: template)): \(written.collection.error ?? "unknown error"); they are kept on \(node) in \(scratch)\n"
            JobOutput.append(line, env: env, info: info)
            FileHandle.standardError.write(Data(line.utf8))
            throw ExitCode(1)
        }
    }
}

/// The job's error file (or output file), as the epilog's environment names it.
enum JobOutput {
    static func append(_ line: String, env: [String: String], info: JobInfo?) {
        guard var path = env["SLURM_JOB_STDERR"] ?? info?.stderr ?? env["SLURM_JOB_STDOUT"] ?? info?.stdout else { return }
        let id = env["SLURM_JOB_ID"] ?? ""
        let patterns: [String: String] = [
            "%j": id, "%A": info?.arrayJobID.map(String.init) ?? id, "%a": info?.arrayTaskID.map(String.init) ?? "4294967294",
            "%u": env["SLURM_JOB_USER"] ?? "", "%x": info?.name ?? "", "%N": env["SLURMD_NODENAME"] ?? "", "%%": "%",
        ]
        for (k, v) in patterns { path = path.replacingOccurrences(of: k, with: v) }
        if !path.hasPrefix("/") { path = (env["SLURM_JOB_WORK_DIR"] ?? info?.workDir ?? "/") + "/" + path }
        // The job's to name: only a regular file is written to, and never through a link (a FIFO
        // would hold the epilog until someone reads it).
        let fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        _ = Syscall.writeAll(fd, Array(line.utf8))
    }
}
