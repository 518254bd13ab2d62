import Foundation
import XCTest

final class InspectTests: XCTestCase {
    func testShowsConfigurationAndProvenance() throws {
        let layout = try Harness.require("oci/tiny")
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/t.sqsh", "oci:" + layout).status, 0)

        let text = try Harness.vessel("inspect", dir + "/t.sqsh")
        XCTAssertEqual(text.status, 0, text.stderr)
        for line in ["Entrypoint:   [\"/usr/local/bin/hello.sh\"]", "Cmd:          [\"world\"]", "WorkingDir:   /srv/app",
                     "User:         1000:1000", "  SPACED=a b  c", "  EMPTY=", "Platform:     linux/amd64", "Manifest:     sha256:"] {
            XCTAssertTrue(text.stdout.contains(line), "missing \(line) in:\n\(text.stdout)")
        }

        let json = try Harness.vessel("inspect", "--json", dir + "/t.sqsh")
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let config = doc["config"] as! [String: Any]
        XCTAssertEqual(config["entrypoint"] as? [String], ["/usr/local/bin/hello.sh"])
        XCTAssertEqual(config["env"] as? [String], ["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=hello", "SPACED=a b  c", "EMPTY="])
        let provenance = doc["provenance"] as! [String: Any]
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as! [String: Any]
        let manifest = (index["manifests"] as! [[String: Any]])[0]["digest"] as! String
        XCTAssertEqual(provenance["manifestDigest"] as? String, manifest)
        XCTAssertEqual((provenance["layers"] as! [Any]).count, 3)
        // Content, not place: the same image from any transport gives the same bytes.
        XCTAssertNil(provenance["source"])
        XCTAssertNil(provenance["transport"])
        XCTAssertEqual((doc["squashfs"] as! [String: Any])["compression"] as? String, "zstd")
    }

    func testPlainSquashFSFromAnotherTool() throws {
        let rootfs = try Harness.require("expected/tiny/rootfs")
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.run(["mksquashfs", rootfs + "/srv", dir + "/plain.sqfs", "-noappend", "-quiet", "-comp", "gzip"]).status, 0)
        try Harness.run(["chmod", "644", dir + "/plain.sqfs"])
        let text = try Harness.vessel("inspect", dir + "/plain.sqfs")
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Metadata:     none (a plain SquashFS image, not made by Vessel"), text.stdout)
        XCTAssertTrue(text.stdout.contains("SquashFS:     gzip"), text.stdout)
        let json = try Harness.vessel("inspect", "--json", dir + "/plain.sqfs")
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertNil(doc["config"])
    }

    func testNotSquashFS() throws {
        let r = try Harness.vessel("inspect", "/etc/hostname")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "vessel inspect: /etc/hostname: not a SquashFS image (no SquashFS 4.0 super block)\n")
        let missing = try Harness.vessel("inspect", "/nonexistent.sqsh")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("/nonexistent.sqsh"), missing.stderr)
    }
}
