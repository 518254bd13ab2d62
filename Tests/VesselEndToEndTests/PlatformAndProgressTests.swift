import Foundation
import XCTest

final class PlatformAndProgressTests: XCTestCase {
    private func platform(of image: String) throws -> String? {
        let json = try Harness.vessel("inspect", "--json", image)
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        return (doc["provenance"] as? [String: Any])?["platform"] as? String
    }

    func testIndexChoosesThePlatform() throws {
        let src = "oci:" + (try Harness.require("multiarch"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/host.sqsh", src).status, 0)
        XCTAssertEqual(try platform(of: dir + "/host.sqsh"), "linux/amd64")
        XCTAssertEqual(try Harness.vessel("build", "-q", "--arch", "linux/arm64", dir + "/arm.sqsh", src).status, 0)
        XCTAssertEqual(try platform(of: dir + "/arm.sqsh"), "linux/arm64/v8")
    }

    /// On a pipe (a batch log) progress comes as lines with bytes, rate and time left.
    func testProgressLinesOnAPipe() throws {
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Harness.vessel("build", dir + "/t.sqsh", "oci:" + (try Harness.require("oci/tiny")),
                                   environment: ["VESSEL_PROGRESS_INTERVAL": "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderrLines
        XCTAssertTrue(lines.contains { $0.hasPrefix("converting 3 layers: ") && $0.contains("/s") && $0.contains("left") }, r.stderr)
        XCTAssertTrue(lines.last?.hasPrefix("wrote \(dir)/t.sqsh: ") == true, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r"), "no terminal control on a pipe")
        let quiet = try Harness.vessel("build", "--quiet", dir + "/q.sqsh", "oci:" + (try Harness.require("oci/tiny")))
        XCTAssertEqual(quiet.stderr, "")
    }

    func testJSONReport() throws {
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Harness.vessel("build", "-q", "--json", dir + "/t.sqsh", "oci:" + (try Harness.require("oci/tiny")))
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(doc["output"] as? String, dir + "/t.sqsh")
        XCTAssertEqual(doc["imageBytes"] as? Int, Int(try FileManager.default.attributesOfItem(atPath: dir + "/t.sqsh")[.size] as! UInt64))
    }
}
