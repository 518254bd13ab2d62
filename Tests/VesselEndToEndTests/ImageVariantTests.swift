import Foundation
import XCTest

/// What other builders leave in images, taken as podman takes it (Tests/Fixtures/make-variants.py):
/// a WorkingDir and VOLUMEs the layers lack, and a zstd:chunked layer without its tar padding.
final class ImageVariantTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        let tiny = try Harness.require("oci/tiny")
        dir = try Harness.scratch(name)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/make-variants.py").path
        let made = try Harness.run(["python3", script, tiny, dir])
        XCTAssertEqual(made.status, 0, made.stderr)
        if let user = Harness.testUser { try Harness.run(["chown", "-R", user, dir]) }
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    func testAWorkingDirAndVolumesTheLayersLackAreMade() throws {
        let image = dir + "/wv.sqsh"
        XCTAssertEqual(try Harness.vessel("build", "-q", image, "oci:" + dir + "/workdir-volumes").status, 0)
        let run = try Harness.vessel("run", image)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "/work/missing\nvolume\n")
        XCTAssertEqual(run.stderr, "")
        // --pwd to a directory the container lacks is a mistake, said in one line.
        let pwd = try Harness.vessel("exec", "--pwd", "/no/such/dir", image, "true")
        XCTAssertEqual(pwd.status, 125)
        XCTAssertEqual(pwd.stderr, "vessel: --pwd /no/such/dir: No such file or directory in the container\n")
    }

    func testALayerWithoutItsTarPaddingConvertsAndARealMismatchDoesNot() throws {
        let ok = try Harness.vessel("build", "-q", dir + "/unpadded.sqsh", "oci:" + dir + "/unpadded")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let listed = try Harness.run(["unsquashfs", "-l", dir + "/unpadded.sqsh"])
        XCTAssertTrue(listed.stdout.contains("/hello.txt"), listed.stdout)
        let bad = try Harness.vessel("build", "-q", dir + "/mismatch.sqsh", "oci:" + dir + "/mismatch")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("diff_id): digest mismatch"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/mismatch.sqsh"))
    }
}
