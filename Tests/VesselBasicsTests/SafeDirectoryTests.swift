import Foundation
import VesselBasics
import XCTest

/// SafeDirectory as root makes the site's directories: a link or another user's directory in a
/// world-writable one is refused, or moved aside and made anew; a link in a directory only
/// root writes to is root's, and followed.
final class SafeDirectoryTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("makes directories as root and another user's") }
        dir = NSTemporaryDirectory() + "safe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(mkdir(dir, 0o755), 0)
        XCTAssertEqual(mkdir(dir + "/open", 0o777), 0)
        XCTAssertEqual(chmod(dir + "/open", 0o1777), 0)
        XCTAssertEqual(mkdir(dir + "/elsewhere", 0o755), 0)
    }

    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    private func owner(_ path: String) -> uid_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_uid : nil
    }

    func testALinkUnderAWritableDirectoryIsNeverFollowed() throws {
        XCTAssertEqual(symlink(dir + "/elsewhere", dir + "/open/missing"), 0)
        XCTAssertThrowsError(try SafeDirectory.open(dir + "/open/missing/made", trusting: [0], create: 0o755)) {
            XCTAssertTrue("\($0)".contains("/open/missing is not a directory (a symbolic link?); refused"), "\($0)")
        }
        var moved: [String] = []
        let fd = try SafeDirectory.open(dir + "/open/missing/made", trusting: [0], create: 0o755, squat: .moveAside) { moved.append($0) }
        close(fd)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/elsewhere"), [])
        XCTAssertEqual(moved.count, 1)
        XCTAssertEqual(owner(dir + "/open/missing/made"), 0)
        var st = stat()
        XCTAssertEqual(lstat(dir + "/open/missing/made", &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o755, "made with the mode asked, whatever the umask")
    }

    func testAnotherUsersDirectoryInAWritableOneIsASquat() throws {
        XCTAssertEqual(mkdir(dir + "/open/theirs", 0o755), 0)
        XCTAssertEqual(chown(dir + "/open/theirs", 65534, 65534), 0)
        XCTAssertThrowsError(try SafeDirectory.open(dir + "/open/theirs", trusting: [0])) {
            XCTAssertTrue("\($0)".contains("is owned by nobody, not by root; refused"), "\($0)")
        }
        // A directory anyone may rename entries in cannot keep the names below it.
        XCTAssertEqual(mkdir(dir + "/loose", 0o777), 0)
        XCTAssertEqual(chmod(dir + "/loose", 0o777), 0)
        XCTAssertThrowsError(try SafeDirectory.open(dir + "/loose", trusting: [0])) {
            XCTAssertTrue("\($0)".contains("writable by others and not sticky"), "\($0)")
        }
    }

    func testALinkRootMadeInItsOwnDirectoryIsFollowed() throws {
        XCTAssertEqual(symlink(dir + "/elsewhere", dir + "/site-link"), 0)
        let fd = try SafeDirectory.open(dir + "/site-link", trusting: [0])
        defer { close(fd) }
        var a = stat(), b = stat()
        XCTAssertEqual(fstat(fd, &a), 0)
        XCTAssertEqual(stat(dir + "/elsewhere", &b), 0)
        XCTAssertEqual(a.st_ino, b.st_ino)
    }
}
