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

    func testAllocatedGPUsReachTheContainer() throws {
        let out = try sbatch(["-p", "gpu-a100", "--gres=gpu:a100:2"],
                             "srun \(Harness.vessel) exec --nv \(dir)/tiny.sqsh sh -c 'echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES; ls /usr/local/nvidia/lib64 | head -1'")
        XCTAssertEqual(out, "CUDA_VISIBLE_DEVICES=0,1\nlibcuda.so.1\n")
    }
}
