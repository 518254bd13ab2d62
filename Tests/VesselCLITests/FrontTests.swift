import Foundation
import XCTest

/// `vessel` starts containers itself and hands every other command line to vessel-cli beside it.
final class FrontTests: XCTestCase {
    private var front: String {
        get throws {
            guard let bin = ProcessInfo.processInfo.environment["VESSEL_BIN"] else { throw XCTSkip("VESSEL_BIN is not set (scripts/test sets it)") }
            return bin
        }
    }

    private func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testHandsOtherCommandsToTheFullCommandLine() throws {
        let r = try run(try front, ["--version"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(r.out.isEmpty)
        let help = try run(try front, ["exec", "--help"])
        XCTAssertEqual(help.status, 0, help.err)
        XCTAssertTrue(help.out.contains("USAGE: vessel exec"), help.out)
    }

    func testNamesAMissingFullCommandLine() throws {
        // A hard link: the front looks beside its real file, so a symbolic link would find vessel-cli.
        let bin = URL(fileURLWithPath: try front)
        let dir = bin.deletingLastPathComponent().appendingPathComponent("front-alone-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = dir.appendingPathComponent("vessel").path
        XCTAssertEqual(link(bin.path, alone), 0, String(cString: strerror(errno)))
        let r = try run(alone, ["inspect", "x.sqsh"])
        XCTAssertEqual(r.status, 127)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertTrue(r.err.contains(dir.appendingPathComponent("vessel-cli").path) && r.err.contains("No such file"), r.err)
    }
}
