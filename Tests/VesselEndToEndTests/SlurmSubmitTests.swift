import Foundation
import XCTest

/// `vessel submit`, `vessel jobs` and `vessel results` on the real test cluster (gpu-a100: one
/// node with 4 stand-in a100; gpu-v100: two nodes with 2 v100 each; cpu), run by the
/// unprivileged job user, with the plugin scripts/test installs collecting results.
final class SlurmSubmitTests: XCTestCase {
    private var job: SlurmJobUser!
    private var user: String { job.name }
    private var dir: String { job.dir }
    private var image: String { job.image }
    private var resultsRoot: String { job.dir + "/results" }
    private var blockers: [String] = []

    override func setUpWithError() throws {
        job = try SlurmJobUser(directoryIn: "/var/tmp", prefix: "vessel-submit")
    }

    override func tearDownWithError() throws {
        for id in blockers { try? Harness.run(["scancel", id]) }
        job?.remove()
    }

    private func asUser(_ args: [String], env: [String: String] = [:]) throws -> Harness.Result {
        try job.run(args, env: env)
    }

    private func vessel(_ args: String..., env: [String: String] = [:]) throws -> Harness.Result {
        try asUser([Harness.vessel] + args, env: env)
    }

    private func submit(_ args: String...) throws -> String {
        let r = try asUser([Harness.vessel, "submit", "-q", "--results", resultsRoot] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func dryRun(_ args: String...) throws -> [String: Any] {
        let r = try asUser([Harness.vessel, "submit", "--dry-run", "--json"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    private func verdicts(_ report: [String: Any]) -> [String: [String: Any]] {
        let list = (report["placement"] as? [String: Any])?["verdicts"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["partition"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// A job that holds every GPU of a partition until the test ends.
    private func block(_ options: String...) throws {
        let r = try asUser(["sbatch", "--parsable", "--time=10", "-o", "/dev/null"] + options + ["--wrap", "sleep 600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        blockers.append(id)
        try waitFor("job \(id) running") { try Harness.run(["squeue", "-h", "-j", id, "-o", "%T"]).stdout.contains("RUNNING") }
    }

    private func waitFor(_ what: String, timeout: TimeInterval = 60, _ condition: () throws -> Bool) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTFail("timed out waiting for \(what)")
    }

    private func jobCount() throws -> Int {
        try Harness.run(["squeue", "-h", "-u", user]).stdout.split(separator: "\n").count
    }

    /// The collected results of a job, as `vessel results --json` reports them.
    private func results(_ id: String) throws -> [[String: Any]] {
        let r = try vessel("results", id, "--results", resultsRoot, "--wait", "--timeout", "200", "--json")
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], r.stdout + r.stderr)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        return list
    }

    private func provenance(_ report: [String: Any]) -> [String: Any] { report["provenance"] as? [String: Any] ?? [:] }

    // MARK: placement

    func testAFullPartitionIsAvoided() throws {
        try block("-p", "gpu-a100", "--gres=gpu:a100:4")
        let report = try dryRun("--gpus", "1", "--gpu-type", "a100,v100", image, "--", "true")
        let v = verdicts(report)
        XCTAssertEqual(report["partition"] as? String, "gpu-v100")
        XCTAssertEqual(v["gpu-a100"]?["status"] as? String, "eligible")
        XCTAssertEqual(v["gpu-a100"]?["reason"] as? String, "starts later")

        // And the other way round: with both v100 nodes full, the same job goes to gpu-a100
        // although it leaves more GPUs idle there.
        for id in blockers { try Harness.run(["scancel", id]) }
        try block("-p", "gpu-v100", "-N2", "--gres=gpu:v100:2")
        let id = try submit("--gpus", "1", "--gpu-type", "a100,v100", image, "--", "sh", "-c", "echo $CUDA_VISIBLE_DEVICES > /results/gpus")
        let r = try XCTUnwrap(results(id).first)
        XCTAssertEqual(provenance(r)["partition"] as? String, "gpu-a100")
        XCTAssertEqual(provenance(r)["gpus_requested"] as? String, "gres:gpu:a100:1")
        XCTAssertEqual(try String(contentsOfFile: r["path"] as! String + "/gpus", encoding: .utf8), "0\n")
    }

    func testWithBothFreeTheJobGoesWhereItLeavesFewestGPUsIdle() throws {
        let out = try asUser([Harness.vessel, "submit", "--dry-run", "--gpus", "1", "--gpu-type", "a100,v100", image, "--", "true"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(lines.first?.prefix(3), ["PARTITION", "GPU", "VERDICT"])
        XCTAssertEqual(lines.dropFirst().first?.prefix(4), ["gpu-v100", "v100", "chosen", "now"], out.stdout)
        XCTAssertTrue(out.stdout.contains("as soon, but leaves more GPUs idle (3 against 1)"), out.stdout)
        XCTAssertTrue(out.stdout.hasSuffix("dry run: nothing submitted\n"), out.stdout)
    }

    func testAnImpossibleRequestFailsBeforeSubmissionWithReasons() throws {
        let before = try jobCount()
        let r = try asUser([Harness.vessel, "submit", "--gpus", "8", "--gpu-type", "a100", image, "--", "true"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        for reason in ["gpu-a100 (a100): 8 a100 GPUs per node requested, its nodes have at most 4",
                       "gpu-v100: no a100 GPUs (it has v100)", "cpu: no a100 GPUs"] {
            XCTAssertTrue(r.stderr.contains(reason), r.stderr)
        }
        XCTAssertEqual(try jobCount(), before)
        let unwritable = try asUser([Harness.vessel, "submit", "-p", "cpu", "--results", "/root/results", image, "--", "true"])
        XCTAssertEqual(unwritable.status, 1)
        XCTAssertEqual(unwritable.stderr, "vessel submit: results root /root/results: cannot create /root/results: Permission denied; nothing submitted\n")
        XCTAssertEqual(try jobCount(), before)
        let time = try asUser([Harness.vessel, "submit", "-p", "cpu", "--time", "nonsense", image, "--", "true"])
        XCTAssertNotEqual(time.status, 0)
        XCTAssertTrue(time.stderr.contains("--time nonsense: not a time limit"), time.stderr)
    }

    func testImageLabelsAreMatchedAgainstNodeFeatures() throws {
        func labeled(_ name: String, _ labels: [String: String]) throws -> String {
            let cfg = dir + "/\(name).json"
            try JSONSerialization.data(withJSONObject: ["config": ["Labels": labels]]).write(to: URL(fileURLWithPath: cfg))
            let layout = dir + "/\(name)"
            let tool = URL(fileURLWithPath: Harness.treeDiff).deletingLastPathComponent().appendingPathComponent("ocitool.py").path
            let r = try Harness.run(["python3", tool, "assemble", layout, "latest", "--config", cfg, "--base", try Harness.require("oci/tiny") + ":latest"])
            XCTAssertEqual(r.status, 0, r.stderr)
            try Harness.run(["chown", "-R", user, layout])
            return "oci:" + layout
        }
        let cuda = try labeled("cuda", ["org.vessel.cuda": "12.0"])
        let before = try jobCount()
        let refused = try asUser([Harness.vessel, "submit", "-q", "--gpus", "1", cuda, "--", "true"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("gpu-a100 (a100): the image needs CUDA 12.0 or newer, and no node offers a feature cuda12.0 or above (label org.vessel.cuda)"), refused.stderr)
        XCTAssertEqual(try jobCount(), before)
        // A label naming a GPU model narrows the choice to nodes with that feature.
        let a100 = try labeled("a100", ["org.vessel.gpu.types": "a100"])
        XCTAssertEqual(try dryRun("--gpus", "1", a100, "--", "true")["partition"] as? String, "gpu-a100")
    }

    func testDryRunSubmitsNothing() throws {
        let before = try jobCount()
        let report = try dryRun("--gpus", "2", "--nodes", "2", image, "--", "true")
        XCTAssertEqual(report["partition"] as? String, "gpu-v100")
        XCTAssertNil(report["job_id"])
        let v = verdicts(report)
        XCTAssertEqual(v["gpu-a100"]?["reason"] as? String, "2 nodes requested, the partition has 1")
        XCTAssertEqual(v["cpu"]?["reason"] as? String, "2 nodes requested, the partition has 1")
        XCTAssertEqual(try jobCount(), before)
    }

    func testSlurmUnreachableIsOneLine() throws {
        let conf = dir + "/slurm.conf"
        // The same cluster, with the controller's port pointing where nothing listens.
        let text = try String(contentsOfFile: Harness.env["SLURM_CONF"]!, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.hasPrefix("SlurmctldPort=") ? "SlurmctldPort=9" : String($0) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", conf])
        let r = try vessel("submit", "--dry-run", "-p", "cpu", image, "--", "true", env: ["SLURM_CONF": conf])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("vessel submit: cannot reach the Slurm controller: "), r.stderr)
        let jobs = try vessel("jobs", env: ["SLURM_CONF": dir + "/missing.conf"])
        XCTAssertEqual(jobs.status, 1)
        XCTAssertEqual(jobs.stderr, "vessel jobs: Slurm is not configured on this machine: no $SLURM_CONF and no /etc/slurm/slurm.conf\n")
    }

    // MARK: results

    /// Succeeded, exit 3, scancel, and time limit: each one's results come home with a MANIFEST
    /// that verifies and a provenance record of how it ended.
    func testResultsOfJobsThatEndEveryWay() throws {
        let write = "echo data > /results/out.txt; mkdir -p /results/sub; echo $SLURM_JOB_ID > /results/sub/id"
        let ok = try submit("-p", "cpu", image, "--", "sh", "-c", write)
        let three = try submit("-p", "cpu", image, "--", "sh", "-c", write + "; exit 3")
        let cancelled = try submit("-p", "cpu", image, "--", "sh", "-c", write + "; touch /results/ready; sleep 300")
        let timed = try submit("-p", "cpu", "--time", "1", image, "--", "sh", "-c", write + "; sleep 300")
        try waitFor("job \(cancelled) writing its results") {
            FileManager.default.fileExists(atPath: "/tmp/vessel-results/\(try uid())/\(cancelled).cpu-1/ready")
        }
        XCTAssertEqual(try asUser(["scancel", cancelled]).status, 0)

        let expect: [(String, String, Int, Int?)] = [(ok, "COMPLETED", 0, 0), (three, "FAILED", 3, 0), (cancelled, "CANCELLED", 0, nil), (timed, "TIMEOUT", 0, nil)]
        for (id, state, exitCode, signal) in expect {
            let r = try XCTUnwrap(results(id).first, id)
            let p = provenance(r)
            XCTAssertEqual(r["collected"] as? Bool, true, "\(id): \(r)")
            XCTAssertEqual(p["state"] as? String, state, id)
            XCTAssertEqual(p["exit_code"] as? Int, exitCode, id)
            if let signal { XCTAssertEqual(p["signal"] as? Int, signal, id) }
            XCTAssertEqual(p["command"] as? [String], ["sh", "-c", write + (id == three ? "; exit 3" : id == cancelled ? "; touch /results/ready; sleep 300" : id == ok ? "" : "; sleep 300")], id)
            XCTAssertEqual(p["partition"] as? String, "cpu")
            XCTAssertEqual(p["nodes"] as? [String], ["cpu-1"])
            XCTAssertNotNil(p["start_time"])
            XCTAssertNotNil(p["end_time"])
            XCTAssertTrue((((p["image"] as? [String: Any])?["digest"] as? String) ?? "").hasPrefix("sha256:"), "\(p)")
            let path = r["path"] as! String
            XCTAssertEqual(path, "\(resultsRoot)/\(user)/\(id)")
            XCTAssertEqual(try String(contentsOfFile: path + "/sub/id", encoding: .utf8), "\(id)\n")
            let manifest = try String(contentsOfFile: path + "/MANIFEST", encoding: .utf8)
            XCTAssertTrue(manifest.contains(" 5 out.txt\n"), manifest)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/vessel-results/\(try uid())/\(id).cpu-1"), "the node-local copy goes once collected")
        }
        // The signal of a cancelled or timed-out batch script is recorded.
        XCTAssertNotEqual(provenance(try results(cancelled)[0])["signal"] as? Int, 0)
        // A changed file no longer verifies.
        try "tampered\n".write(toFile: "\(resultsRoot)/\(user)/\(ok)/out.txt", atomically: true, encoding: .utf8)
        let check = try vessel("results", ok, "--results", resultsRoot)
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stdout.contains("out.txt: 9 bytes, the manifest says 5"), check.stdout)
    }

    func testAnArrayOfFourGivesFourResultDirectories() throws {
        let id = try submit("-p", "cpu", "--array", "0-3", image, "--", "sh", "-c", "echo $SLURM_ARRAY_TASK_ID > /results/index")
        let reports = try results(id)
        XCTAssertEqual(reports.map { URL(fileURLWithPath: $0["path"] as! String).lastPathComponent }.sorted(), (0...3).map { "\(id)_\($0)" })
        for r in reports {
            let task = String((r["path"] as! String).split(separator: "_").last!)
            XCTAssertEqual(try String(contentsOfFile: r["path"] as! String + "/index", encoding: .utf8), task + "\n")
            XCTAssertEqual(provenance(r)["job_id"] as? String, "\(id)_\(task)")
        }
    }

    func testAMultiNodeJobHasOneDirectoryPerNode() throws {
        let id = try submit("-p", "gpu-v100", "--nodes", "2", "--gpus", "2", image, "--", "sh", "-c",
                            "echo $SLURMD_NODENAME $CUDA_VISIBLE_DEVICES > /results/where")
        let reports = try results(id)
        XCTAssertEqual(reports.map { $0["node"] as? String ?? "" }.sorted(), ["v100-1", "v100-2"])
        for r in reports {
            XCTAssertEqual(try String(contentsOfFile: r["path"] as! String + "/where", encoding: .utf8), "\(r["node"] as! String) 0,1\n")
            XCTAssertEqual(provenance(r)["nodes"] as? [String], ["v100-1", "v100-2"])
            XCTAssertEqual(provenance(r)["gpu_devices"] as? String, "0,1")
        }
    }

    /// A results root that cannot take the files (a full filesystem): the job's output says so,
    /// provenance.json records it, and the node keeps its copy.
    func testAFailedCopyIsReportedAndTheNodeCopyKept() throws {
        let full = dir + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        XCTAssertEqual(try Harness.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs", full]).status, 0)
        defer { try? Harness.run(["umount", full]) }
        let r = try asUser([Harness.vessel, "submit", "-q", "-p", "cpu", "--results", full, "-o", dir + "/out.txt", image, "--",
                            "sh", "-c", "head -c 1000000 /dev/zero > /results/big"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let check = try vessel("results", id, "--results", full, "--wait", "--timeout", "60")
        XCTAssertEqual(check.status, 1)
        let kept = "/tmp/vessel-results/\(try uid())/\(id).cpu-1"
        XCTAssertTrue(check.stdout.contains("not collected: "), check.stdout)
        XCTAssertTrue(check.stdout.contains("No space left on device; kept at cpu-1:\(kept)"), check.stdout)
        let out = try String(contentsOfFile: dir + "/out.txt", encoding: .utf8)
        XCTAssertTrue(out.contains("vessel: job \(id): the results on cpu-1 (/results) were not copied to \(full)/\(user)/\(id): "), out)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: kept + "/big")[.size] as? Int, 1_000_000)
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept + "/provenance.json.vessel"))
        try? FileManager.default.removeItem(atPath: kept)
    }

    func testJobsShowsAPendingJobWithItsReasonAndResultsPath() throws {
        try block("-p", "gpu-a100", "--gres=gpu:a100:4")
        let id = try submit("-p", "gpu-a100", "--gpus", "1", image, "--", "true")
        blockers.append(id)
        func row() throws -> [String: Any]? {
            let r = try vessel("jobs", "--json")
            XCTAssertEqual(r.status, 0, r.stderr)
            let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
            return rows.first { (($0["job"] as? [String: Any])?["id"] as? Int).map(String.init) == id }
        }
        // Until the scheduler has looked at it, a new job pends for no reason yet.
        try waitFor("a reason for job \(id) to pend") { (try row()?["job"] as? [String: Any])?["reason"] != nil }
        let row = try XCTUnwrap(try row())
        let job = row["job"] as? [String: Any] ?? [:]
        XCTAssertEqual(job["state"] as? String, "PENDING")
        XCTAssertEqual(job["reason"] as? String, "Resources")
        XCTAssertEqual(job["gres_per_node"] as? String, "gres:gpu:a100:1")
        XCTAssertEqual(row["results"] as? String, "\(resultsRoot)/\(user)/\(id)")
        let table = try vessel("jobs")
        XCTAssertTrue(table.stdout.split(separator: "\n").contains { $0.hasPrefix(id + " ") && $0.contains("PENDING") && $0.contains("Resources") }, table.stdout)
        XCTAssertFalse(table.stdout.contains(blockers[0] + " "), "jobs not submitted with vessel submit are not listed")
    }

    func testABatchScriptNamesItsImageAndGPUs() throws {
        let script = dir + "/job.sbatch"
        try """
            #!/bin/sh
            #SBATCH --container-image=\(image)
            #SBATCH --gpus=v100:1
            echo "$(head -1 /etc/os-release) $SLURM_JOB_PARTITION" > /results/where
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try Harness.run(["chown", user, script])
        let id = try submit(script)
        let r = try XCTUnwrap(results(id).first)
        XCTAssertEqual(try String(contentsOfFile: r["path"] as! String + "/where", encoding: .utf8), "NAME=\"corpus-tiny\" gpu-v100\n")
        XCTAssertEqual(provenance(r)["command"] as? [String], [script])
    }

    private func uid() throws -> String {
        try Harness.run(["id", "-u", user]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// contrib/slurm/job_submit.lua on a second test cluster of its own (own directory and ports),
/// so that the main cluster's configuration stays as the other tests expect.
final class JobSubmitLuaTests: XCTestCase {
    func testGPUJobsWithoutAPartitionAreRouted() throws {
        guard Harness.isRoot, let user = Harness.env["SLURM_TEST_USER"] else {
            throw Harness.skip("needs root and the Slurm test user: run scripts/test as root")
        }
        let fixtures = URL(fileURLWithPath: Harness.treeDiff).deletingLastPathComponent()
        let lua = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("contrib/slurm/job_submit.lua").path
        let dir = "/tmp/vessel-lua-cluster"
        let env = ["SLURM_TEST_DIR": dir, "SLURM_TEST_PORT_BASE": "17817", "SLURM_TEST_LINK_ETC": "0", "SLURM_TEST_JOB_SUBMIT_LUA": lua]
        // Not through Harness.run: the daemons would inherit its pipes and keep them open.
        let script = fixtures.appendingPathComponent("slurm").path
        let exports = env.map { "\($0)='\($1)'" }.joined(separator: " ")
        let started = system("\(exports) bash \(script)/start-cluster.sh > \(dir).log 2>&1")
        defer { _ = system("\(exports) bash \(script)/stop-cluster.sh > /dev/null 2>&1") }
        XCTAssertEqual(started, 0, (try? String(contentsOfFile: dir + ".log", encoding: .utf8)) ?? "")
        let conf = ["SLURM_CONF": dir + "/etc/slurm.conf"]
        func submit(_ gpus: String) throws -> Harness.Result {
            try Harness.run(["runuser", "-u", user, "--", "env", "-C", "/tmp", "SLURM_CONF=\(dir)/etc/slurm.conf",
                             "sbatch", "--parsable", "--hold", "-o", "/dev/null", gpus, "--wrap", "true"])
        }
        for (gpus, partitions) in [("--gres=gpu:1", "gpu-v100,gpu-a100"), ("--gres=gpu:3", "gpu-a100"),
                                   ("--gpus-per-node=a100:1", "gpu-a100"), ("--gres=gpu:v100:2", "gpu-v100")] {
            let r = try submit(gpus)
            XCTAssertEqual(r.status, 0, r.stderr)
            let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let q = try Harness.run(["squeue", "-h", "-j", id, "-o", "%P"], environment: conf)
            XCTAssertEqual(q.stdout, partitions + "\n", gpus)
        }
        let refused = try submit("--gres=gpu:h100:1")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("vessel routing: no partition has 1 h100 GPUs per node"), refused.stderr)
    }
}
