import Foundation
import XCTest

/// vessel exec under a real Slurm cluster (Debian's slurmctld, slurmd and munge, started by
/// scripts/test with Tests/Fixtures/slurm/start-cluster.sh): an sbatch job whose srun step runs
/// in the image, on a GPU partition, sees the GPUs Slurm allocated.
final class SlurmTests: XCTestCase {
    private var jobUser = ""
    private var dir = ""

    override func setUpWithError() throws {
        guard Harness.isRoot, let conf = Harness.env["SLURM_CONF"], FileManager.default.fileExists(atPath: conf),
              let user = Harness.env["SLURM_TEST_USER"] else {
            throw Harness.skip("no test cluster: run scripts/test as root, which starts one")
        }
        jobUser = user
        // The job user needs its own directory for the image and the job's output.
        dir = NSTemporaryDirectory() + "vessel-slurm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Harness.run(["chown", user, dir])
        let build = try Harness.run(["runuser", "-u", user, "--", Harness.vessel, "build", "-q", dir + "/tiny.sqsh",
                                     "oci:" + Harness.require("oci/tiny")])
        XCTAssertEqual(build.status, 0, build.stderr)
    }

    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    /// Submits a batch script as the job user, waits for it, returns its output.
    private func sbatch(_ options: [String], _ body: String) throws -> String {
        let script = dir + "/job.sh"
        try "#!/bin/sh\n\(body)\n".write(toFile: script, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", script])
        let out = dir + "/job.out"
        let r = try Harness.run(["runuser", "-u", jobUser, "--", "sbatch", "--wait", "--chdir", dir, "-o", out] + options + [script])
        XCTAssertEqual(r.status, 0, "sbatch: \(r.stdout)\(r.stderr)\n" + ((try? String(contentsOfFile: out, encoding: .utf8)) ?? ""))
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    func testSrunVesselExecInABatchJob() throws {
        let out = try sbatch(["-p", "cpu", "-n", "2"],
                             "srun \(Harness.vessel) exec \(dir)/tiny.sqsh sh -c 'head -1 /etc/os-release; echo rank=$SLURM_PROCID'")
        let lines = out.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(lines, ["NAME=\"corpus-tiny\"", "NAME=\"corpus-tiny\"", "rank=0", "rank=1"], out)
    }

    /// The tasks of an srun step on a node share one container: one user and mount namespace and
    /// the host's PIDs, as MPI's shared memory and CMA need (the plugin's tasks share one too);
    /// --no-join gives each its own.
    func testTheTasksOfAStepShareOneContainer() throws {
        let show = "echo $$ $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt)"
        let shared = try sbatch(["-p", "cpu", "-n", "3"], "srun \(Harness.vessel) exec \(dir)/tiny.sqsh sh -c '\(show)'")
        let lines = shared.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, 3, shared)
        XCTAssertEqual(Set(lines.map { $0.dropFirst().joined(separator: " ") }).count, 1, shared)
        XCTAssertFalse(lines.contains { ["1", "2"].contains($0.first ?? "") }, shared)
        let own = try sbatch(["-p", "cpu", "-n", "2"], "srun \(Harness.vessel) exec --no-join \(dir)/tiny.sqsh sh -c '\(show)'")
        let ownLines = own.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(ownLines.count, 2, own)
        XCTAssertEqual(Set(ownLines.map { $0.dropFirst().first ?? "" }).count, 2, own)
    }

    func testAllocatedGPUsReachTheContainer() throws {
        let out = try sbatch(["-p", "gpu-a100", "--gres=gpu:a100:2"],
                             "srun \(Harness.vessel) exec --nv \(dir)/tiny.sqsh sh -c 'echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES; ls /usr/local/nvidia/lib64 | head -1'")
        XCTAssertEqual(out, "CUDA_VISIBLE_DEVICES=0,1\nlibcuda.so.1\n")
    }
}
