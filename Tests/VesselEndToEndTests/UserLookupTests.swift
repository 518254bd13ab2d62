import Foundation
import XCTest

/// Clusters resolve their users through NSS modules (sssd, LDAP), which the static `vessel`
/// front cannot load. A user who exists only through such a module (libnss-extrausers here)
/// gets their own name and home in the container: from the environment when $HOME is theirs,
/// else from vessel-cli, which links glibc dynamically; a name borrowed in the environment is
/// not taken.
final class UserLookupTests: XCTestCase {
    private let uid: uid_t = 47_311
    private let userName = "vessel-nss-only"
    private var dir = ""
    private var savedNSSwitch = ""
    private let extrausers = "/var/lib/extrausers"

    override func setUpWithError() throws {
        guard Harness.isRoot else { throw Harness.skip("setting up an NSS-only user needs root") }
        guard ["/usr/lib/libnss_extrausers.so.2", "/usr/lib/x86_64-linux-gnu/libnss_extrausers.so.2"].contains(where: FileManager.default.fileExists) else {
            throw Harness.skip("libnss-extrausers is not installed: run scripts/test as root")
        }
        XCTAssertNil(getpwuid(uid), "uid \(uid) is taken")
        dir = try Harness.scratch("nss")
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try Harness.run(["chown", "\(uid):\(uid)", home])
        try Harness.run(["chmod", "755", dir])
        let layout = try Harness.require("oci/tiny")
        XCTAssertEqual(try Harness.run([Harness.vessel, "build", "-q", dir + "/tiny.sqsh", "oci:" + layout]).status, 0)
        try Harness.run(["chmod", "644", dir + "/tiny.sqsh"])
        // The user, in extrausers' files only, and NSS told to look there.
        try FileManager.default.createDirectory(atPath: extrausers, withIntermediateDirectories: true)
        try "\(userName):x:\(uid):\(uid):NSS Only:\(home):/bin/sh\n".write(toFile: extrausers + "/passwd", atomically: true, encoding: .utf8)
        try "\(userName):x:\(uid):\n".write(toFile: extrausers + "/group", atomically: true, encoding: .utf8)
        savedNSSwitch = try String(contentsOfFile: "/etc/nsswitch.conf", encoding: .utf8)
        let withModule = savedNSSwitch.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("passwd:") || line.hasPrefix("group:") ? line + " extrausers" : String(line)
        }.joined(separator: "\n")
        try withModule.write(toFile: "/etc/nsswitch.conf", atomically: true, encoding: .utf8)
        XCTAssertNotNil(getpwuid(uid), "NSS does not find the extrausers user")
    }

    override func tearDownWithError() throws {
        if !savedNSSwitch.isEmpty { try? savedNSSwitch.write(toFile: "/etc/nsswitch.conf", atomically: true, encoding: .utf8) }
        try? FileManager.default.removeItem(atPath: extrausers + "/passwd")
        try? FileManager.default.removeItem(atPath: extrausers + "/group")
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// `vessel exec` as the NSS-only user with exactly `environment`.
    private func exec(_ environment: [String: String]) throws -> Harness.Result {
        try Harness.run(["setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "env", "-i", "-C", dir,
                         "PATH=/usr/local/bin:/usr/bin:/bin"] + environment.map { "\($0)=\($1)" }
                        + [Harness.vessel, "exec", dir + "/tiny.sqsh", "sh", "-c", "whoami; echo $HOME; grep '^\(userName):' /etc/passwd | cut -d: -f1,3,6"])
    }

    func testAnNSSOnlyUserGetsTheirNameAndHome() throws {
        let home = dir + "/home"
        let expected = "\(userName)\n\(home)\n\(userName):\(uid):\(home)\n"
        // Slurm's and a login's environment: USER and a HOME the uid owns.
        let fromEnvironment = try exec(["USER": userName, "HOME": home])
        XCTAssertEqual(fromEnvironment.stdout, expected, fromEnvironment.stderr)
        // No USER or HOME: vessel-cli asked, through the NSS module.
        let fromTheModule = try exec([:])
        XCTAssertEqual(fromTheModule.stdout, expected, fromTheModule.stderr)
        // A borrowed name and a HOME that is not theirs are not taken.
        let borrowed = try exec(["USER": "root", "HOME": "/root"])
        XCTAssertTrue(borrowed.stdout.hasPrefix("\(userName)\n"), borrowed.stdout + borrowed.stderr)
    }
}
