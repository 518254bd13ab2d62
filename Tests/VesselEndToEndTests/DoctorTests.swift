import Foundation
import XCTest

final class DoctorTests: XCTestCase {
    func testEverythingThisMachineNeedsIsThere() throws {
        let r = try Harness.vessel("doctor")
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        for name in ["user namespaces", "FUSE device", "FUSE in a user namespace", "overlayfs in a user namespace"] {
            XCTAssertTrue(r.stdout.contains("ok       \(name): "), "\(name) in:\n\(r.stdout)")
        }
        let json = try Harness.vessel("doctor", "--json")
        let checks = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: String]]
        XCTAssertEqual(checks.first { $0["name"] == "user namespaces" }?["status"], "ok")
    }

    /// A node without a usable /dev/fuse: a warning with the exact fix; containers still run (unpacked).
    func testUnusableFuseDeviceGivesTheFix() throws {
        guard Harness.isRoot, let user = Harness.testUser else { throw Harness.skip("hiding /dev/fuse needs root") }
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/no-fuse", contents: Data(), attributes: [.posixPermissions: 0])
        let script = "mount --bind \(dir)/no-fuse /dev/fuse && exec setpriv --reuid=\(user) --regid=\(user) --init-groups \(Harness.vessel) doctor"
        let r = try Harness.run(["unshare", "-m", "sh", "-c", script])
        XCTAssertEqual(r.status, 0, "a warning does not fail: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("warning  FUSE device: /dev/fuse: Permission denied; images will be unpacked into memory\n         fix: as root: chmod 0666 /dev/fuse"), r.stdout)
    }
}
