import Foundation
import VesselBasics
import XCTest

/// The start path's plain-system-call stand-ins must agree with the Foundation calls they replace.
final class PlainSystemTests: XCTestCase {
    func testAgreesWithFoundation() throws {
        XCTAssertEqual(PlainSystem.environment(), ProcessInfo.processInfo.environment)
        XCTAssertEqual(PlainSystem.currentDirectory(), FileManager.default.currentDirectoryPath)
        for path in ["x.sqsh", "./a/../b/./c.sqsh", "/tmp/../var//tmp/", "../..", "/", "/a/b/.."] {
            XCTAssertEqual(PlainSystem.absolute(path), URL(fileURLWithPath: path).standardizedFileURL.path, path)
        }
        XCTAssertTrue(PlainSystem.exists("/etc/passwd"))
        XCTAssertFalse(PlainSystem.exists("/nonexistent/x"))
        XCTAssertEqual(PlainSystem.readText("/etc/passwd"), try String(contentsOfFile: "/etc/passwd", encoding: .utf8))
        XCTAssertNil(PlainSystem.readText("/nonexistent/x"))
    }
}
