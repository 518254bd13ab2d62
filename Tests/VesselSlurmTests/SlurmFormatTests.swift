import Foundation
import VesselSlurm
import XCTest

final class SlurmFormatTests: XCTestCase {
    func testHostLists() {
        XCTAssertEqual(SlurmClient.expand("v100-[1-2],a100-1"), ["v100-1", "v100-2", "a100-1"])
        XCTAssertEqual(SlurmClient.expand("n[008-010,12]"), ["n008", "n009", "n010", "n12"])
    }

    func testSbatchDirectives() {
        let script = """
            #!/bin/bash
            #SBATCH --gpus=v100:1 -N 2
            # a comment
            #SBATCH --time 10  # ten minutes
            #SBATCH -c4
            echo hi
            #SBATCH --mem=1G
            """
        let d = BatchScript.directives(script)
        XCTAssertEqual(d.map(\.name), ["gpus", "N", "time", "c"])
        XCTAssertEqual(d.map(\.value), ["v100:1", "2", "10", "4"])
    }

    func testGeneratedScriptsQuote() {
        XCTAssertEqual(BatchScript.quote("it's"), "'it'\\''s'")
        XCTAssertEqual(BatchScript.quote("/opt/x.py"), "/opt/x.py")
        XCTAssertTrue(BatchScript.running(["python3", "-c", "print(1)"], tasks: 2, image: "i.sqsh").contains("exec srun python3 -c 'print(1)'"))
    }
}
