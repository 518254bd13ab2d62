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
