import Foundation
import VesselOCI
import VesselSquashFS
import XCTest

/// Archives made by GNU tar (the real tool, not a stand-in): members are found in place.
final class ArchiveSourceTests: XCTestCase {
    func testDetectsArchiveKinds() throws {
        let dir = NSTemporaryDirectory() + "vessel-tar-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/oci/blobs/sha256", withIntermediateDirectories: true)
        try Data("{\"imageLayoutVersion\":\"1.0.0\"}".utf8).write(to: URL(fileURLWithPath: dir + "/oci/oci-layout"))
        try Data("{\"schemaVersion\":2,\"manifests\":[]}".utf8).write(to: URL(fileURLWithPath: dir + "/oci/index.json"))
        // A long member name forces a pax or GNU long-name header.
        let long = String(repeating: "x", count: 150)
        try Data("data".utf8).write(to: URL(fileURLWithPath: dir + "/oci/blobs/sha256/" + long))
        for format in ["pax", "gnu", "ustar"] where format != "ustar" {
            let tar = dir + "/\(format).tar"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/tar")
            p.arguments = ["--format=\(format)", "-C", dir + "/oci", "-cf", tar, "."]
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(try SourceReference.parse(tar), .ociArchive(path: tar, selector: nil), format)
            // An empty index: the error lists what there is.
            XCTAssertThrowsError(try ImageResolver.resolve(.ociArchive(path: tar, selector: nil), platform: nil)) { e in
                XCTAssertTrue("\(e)".contains("no image at all"), "\(e)")
            }
        }
    }

    func testCompressionOptions() throws {
        XCTAssertEqual(try CompressionOptions().level, 3)
        XCTAssertEqual(try CompressionOptions(algorithm: .gzip).level, 9)
        XCTAssertNil(try CompressionOptions(algorithm: .xz).level)
        XCTAssertThrowsError(try CompressionOptions(algorithm: .lz4, level: 3))
        XCTAssertThrowsError(try CompressionOptions(blockSize: 100_000))
        XCTAssertNoThrow(try CompressionOptions(blockSize: 1 << 20))
    }
}
