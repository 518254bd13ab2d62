import Foundation
import XCTest

/// MPI jobs in containers on the test cluster, both ways into a container (`srun vessel exec`
/// and `srun --container-image`), with the MPI fixture image (Debian's OpenMPI and MPICH,
/// mpi4py; Tests/Fixtures/mpi). `ring` passes a token, sums the ranks and checks that the
/// ranks of a node see one another's shared memory: it crashes (or says so) when the tasks of
/// a node are in different containers, and PMIx prints errors when its server's directory is
/// not in the container.
final class MPITests: XCTestCase {
    private var job: SlurmJobUser!
    private var image = ""

    override func setUpWithError() throws {
        job = try SlurmJobUser(directoryIn: NSTemporaryDirectory(), prefix: "vessel-mpi")
        image = job.dir + "/mpi.sqsh"
        let build = try job.run([Harness.vessel, "build", "-q", image, "oci:" + Harness.require("oci/mpi")])
        XCTAssertEqual(build.status, 0, build.stderr)
    }

    override func tearDownWithError() throws { job?.remove() }

    private func srun(_ args: [String]) throws -> Harness.Result {
        try job.run(["srun", "-p", "cpu"] + args)
    }

    /// What must never appear: OpenMPI's shared memory across user namespaces, a crash, PMIx
    /// missing its server's files.
    private func assertClean(_ r: Harness.Result, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 0, "\(what): \(r.stderr)", file: file, line: line)
        for bad in ["CMA is not available", "Segmentation fault", "PMIX ERROR", "vessel:"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(what): \(bad) in:\n\(r.stderr)", file: file, line: line)
        }
    }

    private let ringOK = "ring ok: 4 ranks, sum 6, shared memory on 4 ranks of node 0\n"

    /// `srun -n 4 --mpi=pmix vessel exec IMG ring`: the four tasks share one container, so
    /// OpenMPI's default transports (shared memory, CMA) work; with --contain (a private
    /// /tmp) the PMIx server's directory is bound in from the task's environment.
    func testVesselExecUnderSrunWithPMIx() throws {
        for extra in [[], ["--contain"]] {
            let r = try srun(["-n", "4", "--mpi=pmix", Harness.vessel, "exec"] + extra + [image, "ring"])
            assertClean(r, "vessel exec \(extra)")
            XCTAssertEqual(r.stdout, ringOK, "vessel exec \(extra): \(r.stderr)")
        }
    }

    /// The plugin's path: the helper binds the step's PMIx server directory (slurmd's spool,
    /// found from slurmstepd's configuration), last, so a tmpfs over /tmp does not hide it.
    func testThePluginWithPMIx() throws {
        for extra in [[], ["--container-mounts=tmpfs:/tmp"]] {
            let r = try srun(["-n", "4", "--mpi=pmix", "--container-image=\(image)"] + extra + ["ring"])
            assertClean(r, "plugin \(extra)")
            XCTAssertEqual(r.stdout, ringOK, "plugin \(extra): \(r.stderr)")
        }
    }

    /// `--mpi=pmi2`: the image's MPICH speaks Slurm's PMI wire protocol over the descriptor
    /// Slurm hands each task (PMI_FD), which the container keeps. (Debian's OpenMPI is built
    /// without PMI-2 support: it needs --mpi=pmix.)
    func testMPICHWithPMI2BothWays() throws {
        let exec = try srun(["-n", "4", "--mpi=pmi2", Harness.vessel, "exec", "--contain", image, "ring-mpich"])
        assertClean(exec, "vessel exec, pmi2")
        XCTAssertEqual(exec.stdout, ringOK, exec.stderr)
        let plugin = try srun(["-n", "4", "--mpi=pmi2", "--container-image=\(image)", "ring-mpich"])
        assertClean(plugin, "plugin, pmi2")
        XCTAssertEqual(plugin.stdout, ringOK, plugin.stderr)
    }

    /// mpi4py's allreduce, both ways (relative to the image's WorkingDir, /opt/mpi, in the plugin).
    func testMpi4pyAllreduceBothWays() throws {
        let expected = "mpi4py ok: 4 ranks, sum 6, Open MPI v4.1.4"
        let exec = try srun(["-n", "4", "--mpi=pmix", Harness.vessel, "exec", image, "python3", "/opt/mpi/allreduce.py"])
        assertClean(exec, "vessel exec, mpi4py")
        XCTAssertTrue(exec.stdout.hasPrefix(expected), exec.stdout + exec.stderr)
        let plugin = try srun(["-n", "4", "--mpi=pmix", "--container-image=\(image)", "python3", "allreduce.py"])
        assertClean(plugin, "plugin, mpi4py")
        XCTAssertTrue(plugin.stdout.hasPrefix(expected), plugin.stdout + plugin.stderr)
    }

    /// `sbatch -N 2 --container-image`: the batch script runs in the image, and its `mpirun`
    /// starts OpenMPI's daemons through the host's srun (/.vessel/bin/srun), in the image on
    /// both nodes. The emulated nodes are one machine with one host name and one /tmp, where
    /// OpenMPI would take ranks of both for neighbours: TCP only (OMPI_MCA_btl), as between
    /// real nodes; the two ranks of each node still share memory (MPI_Win_allocate_shared).
    func testMpirunInsideTheImageAcrossTwoNodes() throws {
        let script = job.dir + "/mpirun.sh"
        try """
            #!/bin/sh
            echo "batch in $(head -1 /etc/os-release)"
            OMPI_MCA_btl=self,tcp mpirun -n 4 --map-by node sh -c 'echo "rank on $SLURMD_NODENAME"; exec ring'
            echo "mpirun exit $?"

            """.write(toFile: script, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", script])
        let out = job.dir + "/mpirun.out"
        let r = try job.run(["sbatch", "--wait", "-p", "gpu-v100", "-N", "2", "--ntasks-per-node=2", "-o", out,
                             "--container-image=\(image)", script])
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertEqual(r.status, 0, r.stderr + text)
        XCTAssertTrue(text.hasPrefix("batch in PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"), text)
        XCTAssertTrue(text.contains("ring ok: 4 ranks, sum 6, shared memory on 2 ranks of node 0\n"), text)
        XCTAssertTrue(text.hasSuffix("mpirun exit 0\n"), text)
        let nodes = text.split(separator: "\n").filter { $0.hasPrefix("rank on ") }.map { String($0) }.sorted()
        XCTAssertEqual(nodes, ["rank on v100-1", "rank on v100-1", "rank on v100-2", "rank on v100-2"], text)
    }
}
