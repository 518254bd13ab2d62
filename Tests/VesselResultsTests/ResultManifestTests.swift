import Foundation
import VesselResults
import XCTest

final class ResultManifestTests: XCTestCase {
    func testManifestRoundTripsAndVerifies() throws {
        let dir = NSTemporaryDirectory() + "vessel-manifest-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "abc".write(toFile: dir + "/sub/a b\nc", atomically: true, encoding: .utf8)
        let (sum, size) = try ResultManifest.hash(dir + "/sub/a b\nc")
        let m = ResultManifest(entries: [.init(path: "sub/a b\nc", size: size, sha256: sum)])
        XCTAssertEqual(try ResultManifest(text: m.text), m)
        XCTAssertEqual(m.verify(in: dir), [])
        try "abd".write(toFile: dir + "/sub/a b\nc", atomically: true, encoding: .utf8)
        XCTAssertEqual(m.verify(in: dir).count, 1)
    }
}
