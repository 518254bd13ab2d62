import VesselWire
import XCTest

final class PMIxDirectoriesTests: XCTestCase {
    /// Slurm's PMIx plugin: SlurmdSpoolDir with %n and %h expanded, then pmix.JOBID.STEPID.
    func testTheServerDirectoryIsSlurmsPlace() {
        XCTAssertEqual(PMIxDirectories.serverDirectory(spool: "/var/spool/slurmd", node: "n1", host: "h1", job: 42, step: 0),
                       "/var/spool/slurmd/pmix.42.0")
        XCTAssertEqual(PMIxDirectories.serverDirectory(spool: "/tmp/slurm-test/spool/slurmd-%n/", node: "cpu-1", host: "vm", job: 7, step: 3),
                       "/tmp/slurm-test/spool/slurmd-cpu-1/pmix.7.3")
        XCTAssertEqual(PMIxDirectories.serverDirectory(spool: "/s/%h/%x%", node: "n", host: "vm", job: 1, step: 2), "/s/vm/%x%/pmix.1.2")
    }

    /// The variables a task's PMIx client reads, each directory once, inner ones left to the
    /// outer; PMIX_SYSTEM_TMPDIR (the node's /tmp) and relative paths are not taken.
    func testTheDirectoriesTheTaskEnvironmentNames() {
        let env = ["PMIX_SERVER_TMPDIR": "/spool/pmix.1.0/", "PMIX_DSTORE_21_BASE_PATH": "/spool/pmix.1.0//pmix_dstor_ds21_9",
                   "PMIX_DSTORE_ESH_BASE_PATH": "relative/dir", "PMIX_SYSTEM_TMPDIR": "/tmp"]
        XCTAssertEqual(PMIxDirectories.named(in: env), ["/spool/pmix.1.0"])
        XCTAssertEqual(PMIxDirectories.named(in: ["PMIX_DSTORE_21_BASE_PATH": "/a/b", "PMIX_SERVER_TMPDIR": "/a"]), ["/a"])
        XCTAssertEqual(PMIxDirectories.named(in: ["PMIX_SERVER_TMPDIR": "/"]), [])
        XCTAssertEqual(PMIxDirectories.named(in: [:]), [])
    }
}
