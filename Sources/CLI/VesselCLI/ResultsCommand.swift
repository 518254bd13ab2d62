import ArgumentParser
import Foundation
import VesselJobs
import VesselBuild
import VesselImage
import VesselResults
import VesselSlurm

/// `vessel results JOBID`: where a job's results are, each MANIFEST checked against the files.
struct Results: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Show where a job's results are, and verify them against their MANIFEST.",
        discussion: """
        JOBID is a job, an array (every task), or one array task (123_4). Results are in \
        RESULTS_ROOT/USER/JOBID[_TASK]/, one subdirectory per node for multi-node jobs, each \
        with MANIFEST (sha256, size and path of every file) and provenance.json (image digest, \
        command, partition, nodes, GPUs, exit code, signal, start and end time). Every file is \
        hashed again and compared with the MANIFEST. Exits 1 when results are missing, not \
        collected (the reason, and where the node kept them, are shown) or differ.
        """
    )

    @Argument(help: ArgumentHelp("The job.", valueName: "JOBID"))
    var jobID: String

    @Option(help: ArgumentHelp("RESULTS_ROOT, for jobs Slurm no longer knows (default: results-root in vessel.conf, else ~/vessel-results).", valueName: "DIR"))
    var results: String?

    @Flag(help: "Wait until the job has ended and its results are collected.")
    var wait = false

    @Option(help: ArgumentHelp("Give up waiting after this many seconds.", valueName: "SECONDS"))
    var timeout: Double = 3600

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Codable {
        var path: String
        var node: String?
        var collected: Bool
        var problems: [String]
        var files: Int
        var bytes: Int64
        var provenance: ResultProvenance?
    }

    func run() throws {
        let parts = jobID.split(separator: "_").map { UInt32($0) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(jobID) is not a job id (123, or 123_4 for an array task)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        let user = SubmitPlan.userName(), fallbackRoot = results ?? JobResults.defaultRoot()
        while true {
            let (reports, pending) = try look(parts.map { $0! }, user: user, fallbackRoot: fallbackRoot)
            // Done when the job has ended and every node's collection has a verdict (a failed
            // copy is final too: the node kept the files).
            let settled = pending == nil && !reports.isEmpty && reports.allSatisfy { $0.provenance != nil }
            if !wait || settled || Date() > deadline {
                if wait, Date() > deadline, let pending { throw fail("results", ResultError.notCollected("timed out waiting: \(pending)")) }
                try show(reports, pending: pending)
                return
            }
            Thread.sleep(forTimeInterval: 1)
        }
    }

    /// The result directories for the job, and why more are to come (a job still running).
    private func look(_ ids: [UInt32], user: String, fallbackRoot: String) throws -> ([Report], String?) {
        var root = fallbackRoot
        var names: [String] = []
        var pending: String?
        var expectedNodes: [String: Int] = [:]
        if let jobs = try? SlurmClient().job(ids[0]), !jobs.isEmpty {
            let chosen = ids.count == 2 ? jobs.filter { $0.arrayTaskID == ids[1] } : jobs
            if let r = chosen.first.flatMap(JobResults.root), results == nil { root = r }
            names = chosen.map(\.displayID)
            for j in chosen { expectedNodes[j.displayID] = j.nodeCount }
            if let running = chosen.first(where: { !$0.isFinished }) { pending = "job \(running.displayID) is \(running.state)" }
        } else if ids.count == 2 {
            names = ["\(ids[0])_\(ids[1])"]
        } else {
            let dir = "\(root)/\(user)"
            let all = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            names = all.contains("\(ids[0])") ? ["\(ids[0])"] : all.filter { $0.hasPrefix("\(ids[0])_") }.sorted()
            if names.isEmpty { names = ["\(ids[0])"] }
        }
        var reports: [Report] = []
        for name in names {
            let dir = "\(root)/\(user)/\(name)"
            if FileManager.default.fileExists(atPath: dir + "/" + ResultProvenance.fileName) {
                reports.append(check(dir, node: nil))
            } else if let subs = try? FileManager.default.contentsOfDirectory(atPath: dir), !subs.filter({ !$0.hasPrefix(".") }).isEmpty {
                for s in subs.sorted() where !s.hasPrefix(".") { reports.append(check(dir + "/" + s, node: s)) }
                if let n = expectedNodes[name], subs.filter({ !$0.hasPrefix(".") }).count < n, pending == nil {
                    pending = "\(subs.count) of \(n) nodes collected"
                }
            } else {
                reports.append(Report(path: dir, node: nil, collected: false, problems: ["no results here (yet)"], files: 0, bytes: 0, provenance: nil))
            }
        }
        return (reports, pending)
    }

    private func check(_ dir: String, node: String?) -> Report {
        var r = Report(path: dir, node: node, collected: false, problems: [], files: 0, bytes: 0, provenance: nil)
        guard let data = FileManager.default.contents(atPath: dir + "/" + ResultProvenance.fileName),
              let p = try? ResultProvenance.decode(data) else {
            r.problems = ["provenance.json is missing or unreadable"]
            return r
        }
        r.provenance = p
        if p.collection.status == .failed {
            r.problems = ["not collected: \(p.collection.error ?? "unknown error")" + (p.collection.keptAt.map { "; kept at \($0)" } ?? "")]
            return r
        }
        guard let text = try? String(contentsOfFile: dir + "/" + ResultManifest.fileName, encoding: .utf8) else {
            r.problems = ["MANIFEST is missing"]
            return r
        }
        do {
            let m = try ResultManifest(text: text)
            r.files = m.entries.count
            r.bytes = m.totalBytes
            r.problems = m.verify(in: dir)
            r.collected = r.problems.isEmpty
        } catch {
            r.problems = ["\(error)"]
        }
        return r
    }

    private func show(_ reports: [Report], pending: String?) throws {
        if json {
            try printReport(reports)
        } else {
            for r in reports {
                if r.collected, let p = r.provenance {
                    let end = p.signal != 0 ? "signal \(p.signal)" : "exit \(p.exitCode)"
                    print("\(r.path): \(r.files) files, \(r.bytes) bytes, MANIFEST verified; \(p.state ?? "job") \(end) on \(p.partition ?? "?") (\(p.node))")
                } else {
                    print("\(r.path): \(r.problems.joined(separator: "; "))")
                }
            }
            if let pending { print("(\(pending): more results to come)") }
        }
        if reports.contains(where: { !$0.collected }) { throw ExitCode(1) }
    }
}
