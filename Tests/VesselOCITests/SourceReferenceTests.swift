import Foundation
import VesselOCI
import XCTest

final class SourceReferenceTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "vessel-ref-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/layout:with:colons", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/layout:with:colons/oci-layout", contents: Data("{}".utf8))
        FileManager.default.createFile(atPath: dir + "/img.tar", contents: Data())
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func testTransports() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        XCTAssertEqual(try SourceReference.parse("oci:\(dir)/layout:with:colons"), .ociLayout(path: "\(dir)/layout:with:colons", selector: nil))
        XCTAssertEqual(try SourceReference.parse("oci:\(dir)/layout:with:colons:v1"),
                       .ociLayout(path: "\(dir)/layout:with:colons", selector: .tag("v1")))
        XCTAssertEqual(try SourceReference.parse("oci:\(dir)/layout:with:colons@\(digest)"),
                       .ociLayout(path: "\(dir)/layout:with:colons", selector: .digest(Digest(hex: String(repeating: "ab", count: 32)))))
        XCTAssertEqual(try SourceReference.parse("oci-archive:\(dir)/img.tar:latest"), .ociArchive(path: "\(dir)/img.tar", selector: .tag("latest")))
        XCTAssertEqual(try SourceReference.parse("docker-archive:\(dir)/img.tar:registry:5000/app:1.0"),
                       .dockerArchive(path: "\(dir)/img.tar", name: "registry:5000/app:1.0"))
        XCTAssertEqual(try SourceReference.parse("docker://alpine:3"), .registry("alpine:3"))
        XCTAssertEqual(try SourceReference.parse("\(dir)/layout:with:colons"), .ociLayout(path: "\(dir)/layout:with:colons", selector: nil))
    }

    func testErrorsNameTheSource() {
        XCTAssertThrowsError(try SourceReference.parse("oci:/no/such/dir:tag")) { e in
            XCTAssertEqual("\(e)", "/no/such/dir:tag: no such file or directory")
        }
        XCTAssertThrowsError(try SourceReference.parse("\(dir)/img.tar")) { e in
            XCTAssertTrue("\(e)".contains("not an image source"), "\(e)")
        }
    }

    func testDigests() throws {
        let hex = String(repeating: "0f", count: 32)
        XCTAssertEqual(try Digest(parsing: "sha256:" + hex).hex, hex)
        XCTAssertThrowsError(try Digest(parsing: "sha256:abc"))
        XCTAssertThrowsError(try Digest(parsing: "sha256:" + hex.uppercased()))
        XCTAssertThrowsError(try Digest(parsing: "sha512:" + hex + hex))
        XCTAssertEqual(Digest.of(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

final class PlatformTests: XCTestCase {
    func testParsingAndMatching() {
        XCTAssertEqual(Platform(parsing: "x86_64"), Platform(architecture: "amd64"))
        XCTAssertEqual(Platform(parsing: "linux/arm64/v8"), Platform(architecture: "arm64", variant: "v8"))
        XCTAssertTrue(Platform(parsing: "arm64").accepts(Platform(architecture: "arm64", variant: "v8")))
        XCTAssertTrue(Platform(parsing: "linux/arm64/v8").accepts(Platform(architecture: "arm64")), "arm64's variant is v8 when unstated")
        XCTAssertFalse(Platform(parsing: "linux/arm/v7").accepts(Platform(architecture: "arm", variant: "v6")))
        XCTAssertFalse(Platform(parsing: "amd64").accepts(Platform(os: "windows", architecture: "amd64")))
        XCTAssertEqual(Platform(parsing: "aarch64").description, "linux/arm64")
    }

    func testMediaTypes() {
        XCTAssertEqual(MediaType.layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip"), .gzip)
        XCTAssertEqual(MediaType.layerCompression("application/vnd.oci.image.layer.v1.tar+zstd"), .zstd)
        XCTAssertEqual(MediaType.layerCompression("application/vnd.oci.image.layer.v1.tar"), LayerCompression.none)
        XCTAssertNil(MediaType.layerCompression("application/vnd.oci.image.layer.v1.tar+bzip2"))
    }
}
