import Foundation
import XCTest

/// What the Slurm tests start from: the test cluster's unprivileged job user, a directory of its
/// own, and the tiny fixture image built there as that user. Skips without a cluster with the
/// plugin installed (scripts/test as root sets one up).
struct SlurmJobUser {
    let name: String
    let dir: String
    let image: String

    /// The test cluster's job user, when the cluster runs with the plugin; skips otherwise.
    @discardableResult
    static func requireCluster() throws -> String {
        guard Harness.isRoot, let conf = Harness.env["SLURM_CONF"], FileManager.default.fileExists(atPath: conf),
              let u = Harness.env["SLURM_TEST_USER"], let stack = Harness.env["SLURM_TEST_PLUGSTACK_DIR"],
              FileManager.default.fileExists(atPath: stack + "/vessel.conf") else {
            throw Harness.skip("no test cluster with the plugin: run scripts/test as root")
        }
        return u
    }

    init(directoryIn parent: String, prefix: String) throws {
        name = try Self.requireCluster()
        let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
        dir = base + "/\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        image = dir + "/tiny.sqsh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Harness.run(["chown", name, dir])
        let build = try run([Harness.vessel, "build", "-q", image, "oci:" + Harness.require("oci/tiny")])
        XCTAssertEqual(build.status, 0, build.stderr)
    }

    /// Runs as the job user in its directory. A step that can never start must fail the test,
    /// not hang it.
    func run(_ args: [String], env: [String: String] = [:]) throws -> Harness.Result {
        let exports = env.map { "\($0)=\($1)" }
        // PWD as a shell keeps it: the plugin resolves relative mounts against the job's PWD.
        return try Harness.run(["runuser", "-u", name, "--", "timeout", "300", "env", "-C", dir, "PWD=\(dir)"] + exports + args)
    }

    /// Removes the directory once the job user's jobs are gone from the queue, epilogs included
    /// (a job completing holds its node until its epilog ends): a results collection that came
    /// after the removal would make the directory again and leave it behind.
    func remove() {
        for _ in 0..<120 {
            guard let q = try? Harness.run(["squeue", "-h", "-u", name, "-o", "%i"]), q.status == 0,
                  !q.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { break }
            usleep(250_000)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
