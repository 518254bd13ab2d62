import XCTest
import VesselWire

/// The serve announcement, as the helper writes it and the plugin reads it.
final class AnnouncementTests: XCTestCase {
    func testRecordsRoundTrip() {
        let sent = Announcement(pid: 42, workdir: "/home/u/job", imageWorkdir: "/workspace", fakeChown: true, set: ["PATH": "/usr/bin", "A": "b=c"],
                                unset: ["OLDPWD"], entrypoint: ["/bin/sh", "-c"])
        let read = Announcement(decoding: sent.records.joined(separator: "\0"))
        XCTAssertEqual(read, sent)
        XCTAssertEqual(read.imageWorkdir, "/workspace")
        XCTAssertTrue(read.fakeChown)
        XCTAssertEqual(read.set.map { $0.0 }, ["A", "PATH"])
        XCTAssertEqual(read.set.first?.1, "b=c")
    }

    /// The plugin's tasks start where Pyxis's would; `vessel exec`'s where their own container would.
    func testStartingDirectories() {
        let a = Announcement(pid: 1, workdir: "/home/u", imageWorkdir: "/workspace", set: [:], unset: [], entrypoint: [])
        XCTAssertEqual(a.startingDirectories(taskDirectory: "/job", imageFirst: true), ["/workspace", "/job", "/home/u", "/"])
        XCTAssertEqual(a.startingDirectories(taskDirectory: "/job", imageFirst: false), ["/job", "/workspace", "/home/u", "/"])
        let none = Announcement(pid: 1, workdir: "/", set: [:], unset: [], entrypoint: [])
        XCTAssertEqual(none.startingDirectories(taskDirectory: nil, imageFirst: true), ["/", "/"])
    }

    /// An image without a WorkingDir says none; an older helper's records read the same way.
    func testNoImageWorkdir() {
        let sent = Announcement(pid: 7, workdir: "/", set: [:], unset: [], entrypoint: [])
        XCTAssertFalse(sent.records.contains { $0.hasPrefix("IMAGEWD") || $0.hasPrefix("FAKECHOWN") })
        XCTAssertNil(Announcement(decoding: "PID\t7\0CWD\t/\0SOMETHING\tnew").imageWorkdir)
        XCTAssertEqual(Announcement(decoding: "ERROR\tno such image").error, "no such image")
    }
}

/// The kept overlay's records, as the runtime writes and the plugin and the saver read them.
final class OverlayDirectoryTests: XCTestCase {
    func testRecordsReadBackAsWritten() {
        let base = OverlayDirectory.Base(image: "/shared/img.sqsh", size: 4096)
        XCTAssertEqual(OverlayDirectory.Base(text: base.text), base)
        XCTAssertNil(OverlayDirectory.Base(text: "relative.sqsh\n12\n"))
        var made = MadeEntries()
        made.entries["/etc/passwd"] = .init(inode: 12, mtimeNanoseconds: 1_700_000_000_123_456_789, size: 173)
        made.entries["/home/with space"] = .init(inode: UInt64.max, mtimeNanoseconds: 5, size: 4096)
        XCTAssertEqual(MadeEntries(text: made.text), made)
        // Changed since Vessel made it (another inode, time or size): the container's.
        XCTAssertTrue(made.isUnchanged("/etc/passwd", now: .init(inode: 12, mtimeNanoseconds: 1_700_000_000_123_456_789, size: 173)))
        XCTAssertFalse(made.isUnchanged("/etc/passwd", now: .init(inode: 12, mtimeNanoseconds: 1_700_000_001_000_000_000, size: 173)))
        XCTAssertFalse(made.isUnchanged("/etc/group", now: .init(inode: 1, mtimeNanoseconds: 1, size: 1)))
    }
}
