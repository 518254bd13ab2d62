import Foundation
import VesselBasics
import VesselImage
import XCTest

/// The front reads an image's provenance with PlainJSONDecoder (no Foundation in it); the
/// builder writes it with JSONEncoder: what one writes the other reads back the same.
final class ProvenanceReadingTests: XCTestCase {
    func testWhatJSONEncoderWritesReadsBack() throws {
        var p = Provenance(source: "docker://example.org/a/b:1", transport: "docker", manifestDigest: "sha256:" + String(repeating: "a", count: 64),
                           configDigest: "sha256:" + String(repeating: "b", count: 64), platform: "linux/amd64", created: nil,
                           layers: [Provenance.Layer(digest: "sha256:" + String(repeating: "c", count: 64), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: 123_456_789_012),
                                    Provenance.Layer(digest: nil, mediaType: "tar", size: 0)],
                           vesselVersion: "0.1.0 \"quoted\" ü/slash", build: Provenance.Build(compression: "zstd", level: nil, blockSize: 131072, timestamp: -5))
        p.savedFrom = Provenance.SavedFrom(image: "sha256:" + String(repeating: "d", count: 64), job: "12.0 on cpu-1")
        for encoder in [JSONEncoder(), { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]; return e }()] {
            let bytes = Array(try encoder.encode(p))
            XCTAssertEqual(try PlainJSONDecoder().decode(Provenance.self, from: bytes), p)
            let config = RuntimeConfig(env: ["A=1"], entrypoint: nil, labels: ["k": "v"], platform: "linux/amd64")
            XCTAssertEqual(try PlainJSONDecoder().decode(RuntimeConfig.self, from: Array(try encoder.encode(config))), config)
        }
    }

    func testErrorsNameWhere() {
        XCTAssertThrowsError(try PlainJSONDecoder().decode(Provenance.Layer.self, from: Array(#"{"mediaType": "x"}"#.utf8))) {
            XCTAssertEqual("\($0)", "size: missing")
        }
        XCTAssertThrowsError(try PlainJSONDecoder().decode([Provenance.Layer].self, from: Array(#"[{"mediaType": "x", "size": "9"}]"#.utf8))) {
            XCTAssertEqual("\($0)", "[0].size: expected a number of type Int64")
        }
        XCTAssertThrowsError(try PlainJSONDecoder().decode(Provenance.Layer.self, from: Array(#"{"mediaType": "x", "size": 1e400}"#.utf8)))
    }
}
