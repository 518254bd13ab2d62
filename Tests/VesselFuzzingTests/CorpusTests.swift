import Foundation
import VesselFuzzing
import XCTest

/// The fuzzers' kept inputs (Tests/Fixtures/fuzz: the seeds, and every crash a fuzzer found,
/// kept as crash-*), replayed through the same targets: each must end, without a crash.
final class CorpusTests: XCTestCase {
    private func corpus(_ target: FuzzTarget) throws -> [String] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz/\(target.rawValue)").path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertFalse(names.isEmpty, "no inputs in \(dir)")
        return names.map { dir + "/" + $0 }
    }

    func testManifestCorpus() throws {
        for file in try corpus(.manifest) { FuzzTarget.manifest.run(Array(try Data(contentsOf: URL(fileURLWithPath: file)))) }
    }

    func testLayerCorpus() throws {
        for file in try corpus(.layer) { FuzzTarget.layer.run(Array(try Data(contentsOf: URL(fileURLWithPath: file)))) }
    }

    func testImageFileCorpus() throws {
        for file in try corpus(.imagefile) { FuzzTarget.imagefile.run(Array(try Data(contentsOf: URL(fileURLWithPath: file)))) }
    }

    /// Every prefix of each seed (a truncated download, a cut-off header) ends too.
    func testTruncatedSeeds() throws {
        for target in FuzzTarget.allCases {
            for file in try corpus(target) {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
                for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 64)) { target.run(Array(bytes[..<cut])) }
            }
        }
    }
}
