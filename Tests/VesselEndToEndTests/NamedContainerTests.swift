import Foundation
import XCTest

/// Pyxis's --container-name and --container-save, and the site's container-scope= and
/// sbatch-support=, through the real plugin on the test cluster as the unprivileged job user.
final class NamedContainerTests: XCTestCase {
    private var job: SlurmJobUser!
    private var conf: String { Harness.env["SLURM_TEST_PLUGSTACK_DIR"]! + "/vessel.conf" }
    private var original = ""

    override func setUpWithError() throws {
        job = try SlurmJobUser(directoryIn: NSTemporaryDirectory(), prefix: "vessel-named")
        original = try String(contentsOfFile: conf, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? original.write(toFile: conf, atomically: true, encoding: .utf8)
        // A global container of the job user's, removed as its user would.
        let mine = "/var/lib/vessel/containers/vessel-containers/\(uid)/kept-\(getpid())"
        if FileManager.default.fileExists(atPath: mine) { _ = try? job.run([Harness.vessel, "remove-kept", mine]) }
        job?.remove()
    }

    private var uid: uid_t { getpwnam(job.name)!.pointee.pw_uid }

    private func site(_ arguments: String) throws {
        try (original.trimmingCharacters(in: .newlines) + " " + arguments + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
    }

    /// A batch job of the job user's; its id and its output (stdout and stderr).
    private func batch(_ script: String, options: [String] = [], env: [String: String] = [:]) throws -> (id: String, output: String) {
        let path = job.dir + "/job-\(UInt32.random(in: 0...UInt32.max)).sh"
        try ("#!/bin/sh\n" + script).write(toFile: path, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", path])
        let out = path + ".out"
        let r = try job.run(["sbatch", "--parsable", "--wait", "-p", "cpu", "-o", out] + options + [path], env: env)
        return (r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") + r.stderr)
    }

    /// Within one job a named container keeps what a step wrote for the next steps; another
    /// name starts fresh; create, exec and a missing name are refused as Pyxis refuses them;
    /// the job's epilog removes its containers (container-scope=job, the default).
    func testANamedContainerLivesAsLongAsItsJob() throws {
        let img = job.image
        let (id, out) = try batch("""
            srun --container-image=\(img) --container-name=n --container-remap-root sh -c 'echo step1 > /kept; apk 2>/dev/null; true'
            echo "second: $(srun --container-name=n cat /kept)"
            echo "other: $(srun --container-image=\(img) --container-name=other sh -c 'cat /kept 2>/dev/null || echo fresh')"
            srun --container-name=n:create true 2>/dev/null || echo create-refused
            srun --container-name=n:exec true 2>/dev/null || echo exec-refused
            srun --container-name=nothing true 2>/dev/null || echo missing-refused
            srun --container-name=../up --container-image=\(img) true 2>/dev/null || echo bad-name-refused

            """)
        for line in ["second: step1", "other: fresh", "create-refused", "exec-refused", "missing-refused", "bad-name-refused"] {
            XCTAssertTrue(out.contains(line + "\n"), "no \(line) in:\n\(out)")
        }
        let kept = "/var/lib/vessel/containers/vessel-containers/\(uid)/job-\(id)"
        var gone = false
        for _ in 0..<60 where !gone {
            gone = !FileManager.default.fileExists(atPath: kept)
            if !gone { usleep(250_000) }
        }
        XCTAssertTrue(gone, "\(kept) outlived its job")
        let bad = try job.run(["srun", "-p", "cpu", "--container-name=a:sometimes", "true"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--container-name=a:sometimes: the flag is one of auto, create, exec, no_exec"), bad.stderr)
    }

    /// container-scope=global: a named container outlives its job, for the user's next jobs.
    func testAGlobalNamedContainerOutlivesItsJob() throws {
        try site("container_scope=global")
        let name = "kept-\(getpid())"
        let first = try job.run(["srun", "-p", "cpu", "--container-image=\(job.image)", "--container-name=\(name)", "--container-remap-root",
                                 "sh", "-c", "echo from-an-earlier-job > /kept"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let later = try job.run(["srun", "-p", "cpu", "--container-name=\(name)", "cat", "/kept"])
        XCTAssertEqual(later.stdout, "from-an-earlier-job\n", later.stderr)
        let mine = "/var/lib/vessel/containers/vessel-containers/\(uid)/\(name)"
        var st = stat()
        XCTAssertEqual(lstat(mine, &st), 0)
        XCTAssertEqual(st.st_uid, uid)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
    }

    /// Two steps on one name at once: a step naming a running container joins it (its mounts,
    /// its processes); with no_exec it waits for it to stop and starts from what it left.
    func testTwoStepsOnOneNameAtOnce() throws {
        let img = job.image
        let (_, out) = try batch("""
            srun -n1 --container-image=\(img) --container-name=shared --container-remap-root sh -c 'echo first > /kept; mkdir -p /m; mount -t tmpfs none /m; touch /m/in-the-first; sleep 8; echo later > /kept' &
            sleep 3
            echo "joined: $(srun -n1 --overlap --container-name=shared sh -c 'cat /kept; ls /m' | tr '\\n' ' ')"
            echo "waited: $(srun -n1 --overlap --container-name=shared:no_exec sh -c 'cat /kept; ls /m' | tr '\\n' ' ')"
            wait

            """, options: ["-n", "2"])
        XCTAssertTrue(out.contains("joined: first in-the-first \n"), out)
        XCTAssertTrue(out.contains("waited: later \n"), out)
    }

    /// --container-save: the step's container written as an image when the step ends (a path
    /// relative to the job's directory); a later job runs it and sees what the step wrote, and
    /// inspect names its base image and job. A directory is refused before submission.
    func testContainerSaveWritesAnImageALaterJobRuns() throws {
        let saved = job.dir + "/saved.sqsh"
        let r = try job.run(["srun", "-p", "cpu", "--container-image=\(job.image)", "--container-remap-root", "--container-save=saved.sqsh",
                             "sh", "-c", "echo installed > /usr/local/bin/tool-data && echo $SLURM_JOB_ID"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(r.stderr.contains("vessel: saved the container to \(saved)"), r.stderr)
        let later = try job.run(["srun", "-p", "cpu", "--container-image=\(saved)", "cat", "/usr/local/bin/tool-data"])
        XCTAssertEqual(later.stdout, "installed\n", later.stderr)
        let inspect = try job.run([Harness.vessel, "inspect", saved])
        XCTAssertTrue(inspect.stdout.contains("Saved from:   sha256:\(try Harness.sha256(job.image)), by job \(id).0 on cpu-1"), inspect.stdout)
        let directory = try job.run(["srun", "-p", "cpu", "--container-image=\(job.image)", "--container-save=out/", "true"])
        XCTAssertNotEqual(directory.status, 0)
        XCTAssertTrue(directory.stderr.contains("--container-save=out/: names a directory; name a file"), directory.stderr)
    }

    /// sbatch-support=no (Pyxis's sbatch_support=0): sbatch does not know the options, and a
    /// batch script runs on the node even with an option's twin set; its sruns still take them.
    func testSbatchSupportOffLeavesBatchScriptsOnTheNode() throws {
        try site("sbatch_support=no")
        let refused = try job.run(["sbatch", "-p", "cpu", "--container-image=\(job.image)", "--wrap", "true"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("container-image"), refused.stderr)
        let (_, out) = try batch("""
            echo "script: $(test -e /.vessel && echo container || echo node)"
            echo "step: $(srun sh -c 'test -e /.vessel && echo container')"

            """, env: ["PYXIS_CONTAINER_IMAGE": job.image])
        XCTAssertTrue(out.contains("script: node\n"), out)
        XCTAssertTrue(out.contains("step: container\n"), out)
    }
}
