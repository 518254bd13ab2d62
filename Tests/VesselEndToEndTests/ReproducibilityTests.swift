import XCTest

final class ReproducibilityTests: XCTestCase {
    /// The same source and options give the same bytes.
    func testSameSourceGivesSameBytes() throws {
        let src = "oci:" + (try Harness.require("oci/tiny"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", "-j", "1", dir + "/b.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"),
                       "the number of compressor threads must not change the output")
    }

    /// SOURCE_DATE_EPOCH sets the time stamps Vessel makes, and nothing else of the host leaks in.
    func testSourceDateEpoch() throws {
        let src = "oci:" + (try Harness.require("oci/tiny"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src, environment: ["SOURCE_DATE_EPOCH": "1234567890"]).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/b.sqsh", src, environment: ["SOURCE_DATE_EPOCH": "1234567890"]).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"))
        let listing = try Harness.run(["unsquashfs", "-lln", dir + "/a.sqsh", "/.vessel"])
        XCTAssertTrue(listing.stdout.contains("2009-02-13"), listing.stdout)
        let info = try Harness.vessel("inspect", "--json", dir + "/a.sqsh")
        XCTAssertTrue(info.stdout.contains("\"timestamp\" : 1234567890"), info.stdout)
    }

    /// Gzip layers give the same image through ISA-L's inflate (the default) as through zlib
    /// (VESSEL_INFLATE=zlib), the tiny fixture's and a layer of two gzip members followed by
    /// zero padding, as some tools write them.
    func testISALAndZlibGiveTheSameBytes() throws {
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.run(["python3", "-c", Self.twoMembers, dir + "/members"]).status, 0)
        try Harness.run(["chmod", "-R", "a+rX", dir])
        for src in ["oci:" + (try Harness.require("oci/tiny")), "oci:" + dir + "/members"] {
            XCTAssertEqual(try Harness.vessel("build", "-q", "--force", dir + "/isal.sqsh", src).status, 0)
            let zlib = try Harness.vessel("build", "-q", "--force", dir + "/zlib.sqsh", src, environment: ["VESSEL_INFLATE": "zlib"])
            XCTAssertEqual(zlib.status, 0, zlib.stderr)
            XCTAssertEqual(try Harness.sha256(dir + "/isal.sqsh"), try Harness.sha256(dir + "/zlib.sqsh"), src)
        }
        let listing = try Harness.run(["unsquashfs", "-l", dir + "/isal.sqsh"])
        XCTAssertTrue(listing.stdout.contains("squashfs-root/first") && listing.stdout.contains("squashfs-root/second"), listing.stdout)
    }

    /// An OCI layout whose one layer is two gzip members (the tar split between them), then zeros.
    static let twoMembers = Harness.ociLayoutPython + """
        import gzip, io, sys, tarfile
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
            for name in ["first", "second"]:
                data = (name * 5000).encode(); info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
                t.addfile(info, io.BytesIO(data))
        tar = raw.getvalue(); half = len(tar) // 2
        layer = gzip.compress(tar[:half], mtime=0) + gzip.compress(tar[half:], mtime=0) + bytes(512)
        write_layout(sys.argv[1], layer, "sha256:" + hashlib.sha256(tar).hexdigest(), "application/vnd.oci.image.layer.v1.tar+gzip")
        """
}
