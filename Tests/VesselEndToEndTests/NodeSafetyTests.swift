import Foundation
import XCTest

/// What one user's job must not be able to do to a node, and so to everyone else's jobs: hold
/// it (an epilog or a slurmstepd that never ends, which Slurm answers by draining the node),
/// make root's side of the plugin read without limit, or have root make directories through a
/// link of theirs. Each attack is run for real through the plugin on the test cluster (see
/// MultiUserSafetyTests for the attacker and the victim); the legitimate use still works.
final class NodeSafetyTests: XCTestCase {
    private var users: TwoUsers!
    private var attacker: String { users.attacker }
    private var victim: String { users.victim }

    override func setUpWithError() throws {
        _ = try SlurmJobUser.requireCluster()
        users = try TwoUsers(name)
    }

    override func tearDownWithError() throws { users?.remove() }

    private func queued(_ job: String) throws -> Bool {
        !(try Harness.run(["squeue", "-h", "-j", job, "-o", "%T"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    private func nodeStates() throws -> String {
        try Harness.run(["sinfo", "-h", "-N", "-o", "%T"]).stdout
    }

    /// The job leaves a FIFO where the collector writes its record when collection fails (its own
    /// MANIFEST at the top of /results makes it fail): the epilog must not wait on it, the job
    /// must leave the queue, and no node is drained. A FIFO deeper in /results is listed in the
    /// MANIFEST, not copied.
    func testAFIFOInResultsCannotHoldTheNode() throws {
        let img = try users.image("tiny.sqsh", owner: attacker)
        let root = try users.directory("results", owner: "root", mode: "1777")
        let job = try users.resultsJob(attacker, root: root, tag: "fifo", image: img, more: """
            echo mine > /results/MANIFEST
            /bin/busybox mkfifo /results/provenance.json.vessel
            """)
        XCTAssertTrue(job.output.contains("a result may not be named MANIFEST at the top"), job.output)
        try TwoUsers.waitFor("job \(job.id) to leave the queue (its epilog ended)", seconds: 60) { try !queued(job.id) }
        let states = try nodeStates()
        XCTAssertFalse(states.contains("drain"), states)

        // The legitimate use: the victim's job runs on the node and its results arrive; a FIFO
        // among them is named in the MANIFEST and not copied.
        let mine = try users.image("tiny.sqsh", owner: victim)
        let ok = try users.resultsJob(victim, root: root, tag: "after", image: mine, more: "/bin/busybox mkfifo /results/pipe")
        let manifest = try String(contentsOfFile: "\(root)/\(victim)/\(ok.id)/MANIFEST", encoding: .utf8)
        XCTAssertTrue(manifest.contains(" data.txt\n"), manifest)
        XCTAssertTrue(manifest.contains("# not collected: pipe (a FIFO)\n"), manifest)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(victim)/\(ok.id)/pipe"))
    }

    /// The job's user stops their step's helper while it starts, opens its announcement pipe
    /// through /proc (the helper is theirs) and writes 64 MiB into what root (slurmstepd) reads:
    /// root reads at most Announcement.maximumBytes, then stops the helper and fails the step in
    /// one line (it read all of it, 4.2 GB of slurmstepd's memory for 2 GiB). The next step runs.
    func testRootReadsABoundedAnnouncement() throws {
        let img = try users.image("tiny.sqsh", owner: attacker)
        let said = try users.own(attacker) + "/step.err"
        var tried = false
        for _ in 0..<8 where !tried {
            let step = try users.start(attacker, ["sh", "-c", "srun -p cpu --container-image=\(img) true 2>\(said)"])
            defer { if step.isRunning { step.terminate() } }
            var helper: Int32 = 0
            let deadline = Date().addingTimeInterval(30)
            while helper == 0, Date() < deadline, step.isRunning {
                helper = Int32(try Harness.run(["pgrep", "-o", "-u", attacker, "-f", "spank-helper"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                if helper == 0 { usleep(2_000) }
            }
            guard helper > 0 else { continue }
            _ = try users.run(attacker, ["kill", "-STOP", "\(helper)"])
            // Root sees whether the pipe is still there; if it is gone, the stop came too late.
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(helper)/fd/3"))?.hasPrefix("pipe:") == true else {
                _ = try users.run(attacker, ["kill", "-CONT", "\(helper)"])
                step.waitUntilExit()
                continue
            }
            tried = true
            _ = try users.run(attacker, ["timeout", "120", "python3", "-c", "open('/proc/\(helper)/fd/3', 'wb').write(b'x' * (64 << 20))"])
            _ = try users.run(attacker, ["kill", "-CONT", "\(helper)"])
            step.waitUntilExit()
            XCTAssertNotEqual(step.terminationStatus, 0)
            let stderr = (try? String(contentsOfFile: said, encoding: .utf8)) ?? ""
            XCTAssertTrue(stderr.contains("the container's helper said more than \(4 << 20) bytes; its helper was stopped"), stderr)
        }
        XCTAssertTrue(tried, "the helper was never caught with its pipe open: the test proves nothing")
        // The legitimate use: a step starts, runs and ends as before.
        let ok = try users.slurm(attacker, ["srun", "-p", "cpu", "--container-image=\(img)", "sh", "-c", "head -1 /etc/os-release"])
        XCTAssertEqual(ok.stdout, "NAME=\"corpus-tiny\"\n", ok.stderr)
    }

    /// The site's results scratch is a directory that does not exist yet below a world-writable
    /// one: the attacker puts a symbolic link to a directory of theirs under the missing name.
    /// Root must not follow it (it made its directories in the attacker's, who could then swap
    /// the victim's results directory); the link is moved aside and the victim's results arrive.
    func testRootFollowsNoLinkWhenItMakesTheScratch() throws {
        let open = try users.directory("open", owner: "root", mode: "1777")
        let plugin = try PluginArguments("results-scratch=\(open)/missing/scratch")
        defer { plugin.restore() }
        let bait = try users.own(attacker) + "/bait"
        XCTAssertEqual(try users.run(attacker, ["sh", "-c", "mkdir -m 0777 \(bait) && ln -s \(bait) \(open)/missing"]).status, 0)
        let img = try users.image("tiny.sqsh", owner: victim)
        let root = try users.directory("results", owner: victim, mode: "0755")
        let job = try users.resultsJob(victim, root: root, tag: "scratch", image: img)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bait), [], "root made directories through the attacker's link")
        XCTAssertEqual(try? String(contentsOfFile: "\(root)/\(victim)/\(job.id)/data.txt", encoding: .utf8), "scratch\n", job.output)
        var st = stat()
        XCTAssertEqual(lstat(open + "/missing", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFDIR)
        XCTAssertEqual(st.st_uid, 0, "root made the missing directory itself")
        let aside = try FileManager.default.contentsOfDirectory(atPath: open).filter { $0.hasPrefix("missing.not-root.") }
        XCTAssertEqual(aside.count, 1, "the link is moved aside, not removed")
    }

    /// `--container-name=NAME:no_exec` waits for the step running NAME to end: within
    /// start-timeout, as every wait of slurmstepd's, not for as long as that step runs. A
    /// refused name (`:exec` of a container that does not run) leaves nothing behind.
    func testANamedContainerWaitIsBoundedAndARefusalLeavesNothing() throws {
        let top = try users.directory("named", owner: "root", mode: "0755")
        let plugin = try PluginArguments("containers=\(top) container-scope=global start-timeout=4")
        defer { plugin.restore() }
        let img = try users.image("tiny.sqsh", owner: victim)
        let running = try users.start(victim, ["srun", "-p", "cpu", "--container-name=busy", "--container-image=\(img)", "sleep", "40"])
        defer { if running.isRunning { running.terminate() } }
        let dir = "\(top)/vessel-containers/\(users.uid(victim))"
        try TwoUsers.waitFor("the running named container") {
            ((try? FileManager.default.attributesOfItem(atPath: dir + "/busy/running")[.size] as? Int) ?? 0) > 0
        }
        let started = Date()
        let waited = try users.slurm(victim, ["srun", "-p", "cpu", "--overlap", "--container-name=busy:no_exec", "true"])
        XCTAssertNotEqual(waited.status, 0, "the step waited for the other to end")
        XCTAssertLessThan(Date().timeIntervalSince(started), 25, "slurmstepd waited past start-timeout")
        XCTAssertTrue(waited.stderr.contains("the step running it did not end within 4 s (plugstack.conf start-timeout=)"), waited.stderr)
        // A refused name leaves no directory, lock or record.
        let refused = try users.slurm(victim, ["srun", "-p", "cpu", "--overlap", "--container-name=never:exec", "true"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("the container does not run"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never"), "a refused name left its directory")
        // The legitimate use: the running container is still joined by name.
        let joined = try users.slurm(victim, ["srun", "-p", "cpu", "--overlap", "--container-name=busy", "cat", "/etc/os-release"])
        XCTAssertTrue(joined.stdout.hasPrefix("NAME=\"corpus-tiny\""), joined.stderr)
    }
}
