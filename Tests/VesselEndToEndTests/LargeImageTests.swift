import XCTest

/// The debootstrap Debian image and the ML image (numpy, scipy, pandas, scikit-learn) in every
/// transport. A separate group: scripts/test runs it after the fast tests (skip with --fast).
final class LargeImageTests: XCTestCase {
    func testDebian() throws { try allTransports("debian") }

    func testML() throws { try allTransports("ml") }

    func testMLIsReproducible() throws {
        let src = "oci-archive:" + (try Harness.require("oci-archive/ml.tar"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/b.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"))
    }

    private func allTransports(_ name: String) throws {
        let reference = try Harness.require("expected/\(name)/rootfs")
        try Harness.assertConvertsExactly("oci:" + Harness.require("oci/\(name)"), reference: reference)
        try Harness.assertConvertsExactly("oci-archive:" + Harness.require("oci-archive/\(name).tar"), reference: reference)
        try Harness.assertConvertsExactly("docker-archive:" + Harness.require("docker-archive/\(name).tar"), reference: reference)
    }
}
