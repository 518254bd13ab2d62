import Foundation
import XCTest

/// --nv with the stand-in driver Tests/Fixtures/make-gpu-standins.sh installs (scripts/test
/// runs it): exactly the driver's libraries, its programs and the GPUs' devices become visible.
final class GPUTests: XCTestCase {
    private var dir = ""
    private var image = ""

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: "/usr/local/lib/vessel-test-nvidia/libcuda.so.1") else {
            throw Harness.skip("stand-in NVIDIA driver missing: run scripts/test as root (Tests/Fixtures/make-gpu-standins.sh)")
        }
        dir = try Harness.scratch()
        image = dir + "/tiny.sqsh"
        XCTAssertEqual(try Harness.vessel("build", "-q", image, "oci:" + Harness.require("oci/tiny")).status, 0)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func exec(_ args: [String], env: [String: String] = [:]) throws -> Harness.Result {
        try Harness.run([Harness.vessel, "exec"] + args, asTestUser: true, environment: env)
    }

    func testDriverLibrariesProgramsAndDevices() throws {
        let script = "ls /usr/local/nvidia/lib64 /usr/local/nvidia/bin; echo \"$LD_LIBRARY_PATH\"; nvidia-smi; ls /dev | grep nvidia; sha256sum /usr/local/nvidia/lib64/libcuda.so.1"
        let r = try exec(["--nv", image, "sh", "-c", script], env: ["CUDA_VISIBLE_DEVICES": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let host = try Harness.sha256("/usr/local/lib/vessel-test-nvidia/libcuda.so.1")
        XCTAssertEqual(r.stdout, """
            /usr/local/nvidia/bin:
            nvidia-smi

            /usr/local/nvidia/lib64:
            libcuda.so.1
            libnvidia-ml.so.1
            libnvidia-ptxjitcompiler.so.1
            /usr/local/nvidia/lib64
            NVIDIA-SMI stand-in; CUDA_VISIBLE_DEVICES=1
            nvidia-uvm
            nvidia0
            nvidia1
            nvidiactl
            \(host)  /usr/local/nvidia/lib64/libcuda.so.1

            """)
        XCTAssertEqual(r.stderr, "")
    }

    func testWithoutNvNothingIsBound() throws {
        let r = try exec([image, "sh", "-c", "ls /usr/local/nvidia 2>&1; echo \"[$LD_LIBRARY_PATH]\""])
        XCTAssertTrue(r.stdout.contains("No such file or directory"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("[]\n"), r.stdout)
    }

    /// Slurm's allocation reaches the container when CUDA_VISIBLE_DEVICES was not set for it.
    func testSlurmAllocationBecomesCudaVisibleDevices() throws {
        let r = try exec(["--nv", "--cleanenv", image, "sh", "-c", "echo $CUDA_VISIBLE_DEVICES"], env: ["SLURM_JOB_GPUS": "2,3"])
        XCTAssertEqual(r.stdout, "2,3\n", r.stderr)
        let nv = try exec(["--nv", image, "sh", "-c", "echo $CUDA_VISIBLE_DEVICES"], env: ["NVIDIA_VISIBLE_DEVICES": "0"])
        XCTAssertEqual(nv.stdout, "0\n", nv.stderr)
    }

    func testNoDriverWarnsAndRuns() throws {
        let list = dir + "/nvliblist.conf"
        try "# nothing that exists\nlibnot-a-driver.so\n".write(toFile: list, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", list])
        let r = try exec(["--nv", image, "true"], env: ["VESSEL_NVLIBLIST": list])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "vessel: warning: --nv: no NVIDIA driver on this node (no libcuda.so in the ld.so cache); running without GPUs\n")

        // A site that requires GPUs for --nv makes the same thing an error.
        let conf = dir + "/vessel.conf"
        try "nv-required = yes\n".write(toFile: conf, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", conf])
        let required = try exec(["--nv", image, "true"], env: ["VESSEL_NVLIBLIST": list, "VESSEL_CONFIG": conf])
        XCTAssertEqual(required.status, 125)
        XCTAssertEqual(required.stderr, "vessel exec: --nv: no NVIDIA driver on this node (no libcuda.so in the ld.so cache), and vessel.conf has nv-required = yes; run on a GPU node\n")
        // With a driver present the setting changes nothing.
        XCTAssertEqual(try exec(["--nv", image, "true"], env: ["VESSEL_CONFIG": conf]).status, 0)
    }

    /// The built-in list is the shipped etc/nvliblist.conf.
    func testBuiltInListMatchesShippedFile() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc/nvliblist.conf")
        let r = try Harness.run(["sh", "-c", "grep -v '^#' \(shipped.path) | grep -v '^$'"])
        let names = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 33)
        let env = try exec(["--nv", image, "true"], env: ["VESSEL_NVLIBLIST": shipped.path])
        XCTAssertEqual(env.status, 0, env.stderr)
    }
}
