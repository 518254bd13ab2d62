import XCTest

final class ReproducibilityTests: XCTestCase {
    /// The same source and options give the same bytes.
    func testSameSourceGivesSameBytes() throws {
        let src = "oci:" + (try Harness.require("oci/tiny"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", "-j", "1", dir + "/b.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"),
                       "the number of compressor threads must not change the output")
    }

    /// SOURCE_DATE_EPOCH sets the time stamps Vessel makes, and nothing else of the host leaks in.
    func testSourceDateEpoch() throws {
        let src = "oci:" + (try Harness.require("oci/tiny"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src, environment: ["SOURCE_DATE_EPOCH": "1234567890"]).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/b.sqsh", src, environment: ["SOURCE_DATE_EPOCH": "1234567890"]).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"))
        let listing = try Harness.run(["unsquashfs", "-lln", dir + "/a.sqsh", "/.vessel"])
        XCTAssertTrue(listing.stdout.contains("2009-02-13"), listing.stdout)
        let info = try Harness.vessel("inspect", "--json", dir + "/a.sqsh")
        XCTAssertTrue(info.stdout.contains("\"timestamp\" : 1234567890"), info.stdout)
    }
}
