import Foundation
import VesselSquashFS
import XCTest

/// SIF files' headers and descriptor tables, made here byte by byte (sylabs/sif format 1), and
/// where an image file's SquashFS lies (ImageRegion).
final class SIFFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "vessel-sif-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A descriptor: (datatype, id, link, offset, size, partition fs/type or signature hash, entity).
    private struct Object { var type: Int32; var id: UInt32; var link: UInt32 = 0; var offset: Int64; var size: Int64; var extra: [UInt8] = [] }

    private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    private func sif(_ objects: [Object], total: Int = 4, fileSize: Int = 65536) throws -> String {
        var file = [UInt8](repeating: 0, count: fileSize)
        func put(_ bytes: [UInt8], at: Int) { file.replaceSubrange(at..<(at + bytes.count), with: bytes) }
        put(Array("SIF_MAGIC\0".utf8), at: 32)
        put(Array("01\0".utf8), at: 42)
        put(Array("02\0".utf8), at: 45)
        put(le(Int64(total - objects.count)), at: 80)
        put(le(Int64(total)), at: 88)
        put(le(Int64(4096)), at: 96)
        put(le(Int64(total * 585)), at: 104)
        for (i, o) in objects.enumerated() {
            let at = 4096 + i * 585
            put(le(o.type), at: at)
            file[at + 4] = 1
            put(le(o.id), at: at + 5)
            put(le(o.link), at: at + 13)
            put(le(o.offset), at: at + 17)
            put(le(o.size), at: at + 25)
            put(o.extra, at: at + 201)
        }
        let path = dir + "/t\(UInt32.random(in: 0...UInt32.max)).sif"
        try Data(file).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func partition(fs: Int32, type: Int32) -> [UInt8] { le(fs) + le(type) + Array("02\0".utf8) }

    func testThePrimaryPartitionIsTheRoot() throws {
        let path = try sif([Object(type: 0x4004, id: 1, offset: 32768, size: 4096, extra: partition(fs: 1, type: 3)),
                            Object(type: 0x4004, id: 2, offset: 40960, size: 8192, extra: partition(fs: 1, type: 2)),
                            Object(type: 0x4005, id: 3, link: 2, offset: 49152, size: 100,
                                   extra: le(Int32(1)) + [UInt8](repeating: 0xAB, count: 20))])
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        XCTAssertTrue(SIFFile.isSIF(fd: fd))
        let file = try SIFFile(fd: fd, name: path)
        XCTAssertEqual(file.arch, "amd64")
        XCTAssertEqual(file.descriptors.map(\.id), [1, 2, 3])
        XCTAssertEqual(try file.primaryPartition(name: path).offset, 40960)
        XCTAssertEqual(file.signatures.first?.hash, "SHA-256")
        XCTAssertEqual(file.signatures.first?.entity, String(repeating: "AB", count: 20))
        XCTAssertEqual(file.signatures.first?.signs, 2)
        let region = try ImageRegion.of(path: path)
        XCTAssertEqual([region.offset, region.length], [40960, 8192])
        XCTAssertTrue(region.isSIF)
    }

    func testWhatIsRefused() throws {
        let ext3 = try sif([Object(type: 0x4004, id: 1, offset: 32768, size: 4096, extra: partition(fs: 2, type: 2))])
        XCTAssertThrowsError(try ImageRegion.of(path: ext3)) {
            XCTAssertEqual("\($0)", "\(ext3): a SIF file whose root partition is ext3, which Vessel does not serve; make a SquashFS one with apptainer build NEW.sif \(ext3)")
        }
        let outside = try sif([Object(type: 0x4004, id: 1, offset: 60000, size: 10000, extra: partition(fs: 1, type: 2))])
        XCTAssertThrowsError(try ImageRegion.of(path: outside)) {
            XCTAssertEqual("\($0)", "\(outside): a SIF file, but data object 1 lies outside the file")
        }
        // An offset and a size that sum past Int64.max: refused, not an overflow.
        let wrapping = try sif([Object(type: 0x4004, id: 1, offset: 4096, size: Int64.max - 100, extra: partition(fs: 1, type: 2))])
        XCTAssertThrowsError(try ImageRegion.of(path: wrapping)) {
            XCTAssertEqual("\($0)", "\(wrapping): a SIF file, but data object 1 lies outside the file")
        }
        let table = try sif([], total: 100_000)
        XCTAssertThrowsError(try ImageRegion.of(path: table)) { XCTAssertTrue("\($0)".contains("its descriptor table is malformed"), "\($0)") }
    }

    func testAPlainFileIsWholeAndNotSquashFS() throws {
        let path = dir + "/plain"
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ImageRegion.of(path: path), .whole)
        XCTAssertThrowsError(try SquashFSImage.superBlock(path: path)) {
            XCTAssertEqual("\($0)", "\(path): not a SquashFS image (no SquashFS 4.0 super block)")
        }
    }
}
