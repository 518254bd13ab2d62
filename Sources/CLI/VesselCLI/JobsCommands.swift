import ArgumentParser
import Foundation
import VesselJobs
import VesselBuild
import VesselImage
import VesselSlurm
import VesselWire

/// `vessel jobs`: the user's Vessel jobs as Slurm knows them, with where their results go.
struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List your jobs submitted with vessel submit.",
        discussion: """
        Shows each job's state, partition, GPUs, why it is pending, its estimated (or actual) \
        start, and where its results are collected. Without --all, only jobs that are pending \
        or running; with it, also those that ended recently (Slurm forgets finished jobs after \
        MinJobAge).
        """
    )

    @Flag(help: "Also jobs that have ended.")
    var all = false

    @Flag(help: "Print JSON.")
    var json = false

    struct Row: Codable {
        var job: JobInfo
        var results: String?
    }

    func run() throws {
        do {
            let jobs = try SlurmClient().jobs(user: getuid())
                .filter { $0.comment?.hasPrefix("vessel") == true && (all || !$0.isFinished) }
                .sorted { ($0.arrayJobID ?? $0.id, $0.arrayTaskID ?? 0) < ($1.arrayJobID ?? $1.id, $1.arrayTaskID ?? 0) }
            let user = SubmitPlan.userName()
            let rows = jobs.map { Row(job: $0, results: JobResults.path(of: $0, user: user)) }
            if json {
                try printReport(rows)
                return
            }
            var table = [["JOBID", "STATE", "PARTITION", "GPUS", "REASON", "START", "RESULTS"]]
            let now = Date()
            for r in rows {
                let j = r.job
                let gpus = j.gresDetail.isEmpty ? (j.gresPerNode.map { $0.replacingOccurrences(of: "gres:gpu:", with: "") + (j.nodeCount > 1 ? " x\(j.nodeCount)" : "") } ?? "-") : j.gresDetail.joined(separator: " ")
                let start = j.startTime.map { $0 <= now && j.state != "PENDING" ? PlacementTable.stamp($0) : PlacementTable.start(from: now, to: $0) } ?? "-"
                table.append([j.displayID, j.state, j.partition, gpus, j.reason ?? "-", start, r.results ?? "-"])
            }
            print(PlacementTable.table(table))
        } catch {
            throw fail("jobs", error)
        }
    }
}
