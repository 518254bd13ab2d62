import Foundation
import XCTest

/// Keys, signatures in the image's tail and detached, the trust policy, and vessel diff, as the
/// unprivileged test user with a home of its own.
final class SignatureTests: XCTestCase {
    private var dir = ""
    private var env: [String: String] = [:]

    override func setUpWithError() throws {
        dir = try Harness.scratch(name)
        env = ["HOME": dir + "/home", "XDG_CONFIG_HOME": "", "VESSEL_CONFIG": dir + "/vessel.conf"]
        try FileManager.default.createDirectory(atPath: dir + "/home", withIntermediateDirectories: true)
        try "".write(toFile: dir + "/vessel.conf", atomically: true, encoding: .utf8)
        if let u = Harness.testUser { try Harness.run(["chown", "-R", u, dir]) }
        XCTAssertEqual(try v("build", "-q", dir + "/t.sqsh", "oci:" + Harness.require("oci/tiny")).status, 0)
    }

    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    @discardableResult
    private func v(_ args: String..., extra: [String: String] = [:]) throws -> Harness.Result {
        try Harness.run([Harness.vessel] + args, asTestUser: true, environment: env.merging(extra) { $1 })
    }

    /// Appends signature records and the block's trailer: "VSLSIG01", where the records start
    /// and how long they are (what each claims, true or not).
    private func appendTail(_ path: String, records: Data, offset: UInt64, length: UInt64) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        var o = offset.littleEndian, l = length.littleEndian
        h.write(records + Data("VSLSIG01".utf8) + Data(bytes: &o, count: 8) + Data(bytes: &l, count: 8))
        try h.close()
    }

    private func flip(_ path: String, at offset: Int) throws {
        let h = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try h.seek(toOffset: UInt64(offset))
        let b = try XCTUnwrap(try h.read(upToCount: 1))
        try h.seek(toOffset: UInt64(offset))
        h.write(Data([b[0] ^ 0xff]))
        try h.close()
    }

    /// A signature covers the image's first `bytes_used` bytes: nothing past them may be read
    /// as the image. An image whose tables say it ends at byte 96 is not signed, and the data of
    /// a file moved past the end (the signed part unchanged, what it points to appended) is an
    /// I/O error when served, where the FUSE server read it, unsigned, as the file.
    func testASignatureCoversAllThatIsServed() throws {
        let tree = dir + "/tree", image = dir + "/moved.sqsh"
        XCTAssertEqual(try Harness.run(["cp", "-a", try Harness.require("expected/tiny/rootfs"), tree]).status, 0)
        let blocks = 3 * 131_072
        try Data(repeating: UInt8(ascii: "y"), count: blocks).write(to: URL(fileURLWithPath: tree + "/big.txt"))
        try "good\n".write(toFile: tree + "/good.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Harness.run(["mksquashfs", tree, image, "-noappend", "-quiet", "-noI", "-noD", "-noF", "-noX"]).status, 0)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func set(_ at: Int, _ value: Int, width: Int = 4) { for i in 0..<width { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
        // The file's basic inode (type 2): its blocks start at +16, its size at +28.
        let inodes = stride(from: 96, to: bytes.count - 32, by: 1).filter { u16($0) == 2 && u32($0 + 28) == blocks }
        XCTAssertEqual(inodes.count, 1)
        let inode = try XCTUnwrap(inodes.first)
        set(inode + 16, bytes.count)
        bytes += [UInt8](repeating: UInt8(ascii: "z"), count: blocks)
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        if let u = Harness.testUser { try Harness.run(["chown", u, image]) }
        XCTAssertEqual(try v("key", "new", "--name", "alice").status, 0)
        let signed = try v("sign", "--key-name", "alice", image)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertEqual(try v("verify", image).status, 0)
        let r = try v("exec", image, "/bin/sh", "-c", "head -c 1 /big.txt; echo \" big=$?\"; cat /good.txt")
        XCTAssertFalse(r.stdout.hasPrefix("z"), "bytes no signature covers were served as the file")
        XCTAssertTrue(r.stdout.contains("good\n"), r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("Input/output error"), r.stderr)

        // Tables said to lie past the end: not signed.
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/t.sqsh")))
        set(40, 96, width: 8)
        let short = dir + "/short.sqsh"
        try Data(bytes).write(to: URL(fileURLWithPath: short))
        if let u = Harness.testUser { try Harness.run(["chown", u, short]) }
        let refused = try v("sign", "--key-name", "alice", short)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("outside the 96 bytes its super block says it has; refused"), refused.stderr)
    }

    func testSignVerifyAndTamper() throws {
        let image = dir + "/t.sqsh"
        let unsignedSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: image)[.size] as? NSNumber).intValue
        XCTAssertEqual(try v("key", "new", "--name", "alice").status, 0)
        XCTAssertEqual(try v("key", "new", "--name", "bob", "--passphrase", extra: ["VESSEL_KEY_PASSPHRASE": "pw"]).status, 0)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/home/.config/vessel/keys/bob.key")[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        XCTAssertEqual(try v("sign", "--key-name", "alice", image).status, 0)
        let wrong = try v("sign", "--key-name", "bob", image, extra: ["VESSEL_KEY_PASSPHRASE": "no"])
        XCTAssertTrue(wrong.stderr.hasSuffix("bob.key: wrong passphrase\n"), wrong.stderr)
        XCTAssertEqual(try v("sign", "--key-name", "bob", image, extra: ["VESSEL_KEY_PASSPHRASE": "pw"]).status, 0)
        let ok = try v("verify", image)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("signed by alice (key ") && ok.stdout.contains("signed by bob (key "), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("image: manifest sha256:"), ok.stdout)
        // Still a SquashFS file every reader opens.
        XCTAssertEqual(try Harness.run(["unsquashfs", "-cat", image, "/old/keep.txt"]).stdout, "v2\n")
        XCTAssertEqual(try v("exec", image, "cat", "/old/keep.txt").stdout, "v2\n")
        XCTAssertEqual(try Harness.run(["sh", "-c", "d=$(mktemp -d) && squashfuse \(image) $d && cat $d/old/keep.txt; fusermount3 -u $d; rmdir $d"]).stdout, "v2\n")
        if Harness.isRoot {
            XCTAssertEqual(try Harness.run(["sh", "-c", "d=$(mktemp -d) && mount -t squashfs -o loop,ro \(image) $d && cat $d/old/keep.txt; umount $d; rmdir $d"]).stdout, "v2\n")
        }
        // A flipped byte anywhere in the SquashFS region fails.
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: image)[.size] as? NSNumber).intValue
        for offset in [100, size / 2, size - 5000] {
            try Harness.run(["cp", image, dir + "/x.sqsh"])
            try flip(dir + "/x.sqsh", at: offset)
            let bad = try v("verify", dir + "/x.sqsh")
            XCTAssertEqual(bad.status, 1, "offset \(offset)")
            XCTAssertTrue(bad.stderr.contains("signature check failed"), bad.stderr)
        }
        // Another image (other provenance) with these signatures transplanted fails too.
        XCTAssertEqual(try v("build", "-q", "--level", "9", dir + "/other.sqsh", "oci:" + Harness.require("oci/tiny")).status, 0)
        let unsigned = try v("verify", dir + "/other.sqsh")
        XCTAssertEqual(unsigned.stderr, "vessel verify: \(dir)/other.sqsh: not signed\n")
        let signatures = try Data(contentsOf: URL(fileURLWithPath: image)).suffix(size - unsignedSize)
        let otherSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: dir + "/other.sqsh")[.size] as? NSNumber).uint64Value
        try appendTail(dir + "/other.sqsh", records: Data(signatures.dropLast(24)), offset: otherSize, length: UInt64(signatures.count - 24))
        let moved = try v("verify", dir + "/other.sqsh")
        XCTAssertEqual(moved.status, 1)
        XCTAssertTrue(moved.stderr.contains("the image was altered after alice"), moved.stderr)
        // A tail whose offset and length sum past 2^64: damaged, in one line, not a crash.
        try Harness.run(["cp", dir + "/other.sqsh", dir + "/wrapped.sqsh"])
        try appendTail(dir + "/wrapped.sqsh", records: Data(), offset: UInt64.max, length: 100)
        let damaged = try v("verify", dir + "/wrapped.sqsh")
        XCTAssertEqual(damaged.status, 1)
        XCTAssertEqual(damaged.stderr, "vessel verify: \(dir)/wrapped.sqsh: signature check failed: the signature block is damaged\n")
    }

    func testDetachedSignatureOnAnotherToolsImage() throws {
        let m = dir + "/m.sqsh"
        try Harness.run(["mksquashfs", try Harness.require("expected/tiny/rootfs"), m, "-noappend", "-quiet", "-no-progress"])
        try Harness.run(["chmod", "644", m])
        XCTAssertEqual(try v("key", "new", "--name", "carol").status, 0)
        XCTAssertEqual(try v("sign", "--detached", dir + "/m.sig", m).status, 0)
        let ok = try v("verify", "--detached", dir + "/m.sig", m)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try Harness.sha256(m), try Harness.sha256(m), "the image itself is untouched")
    }

    func testTrustPolicyBlocksUnsignedAndUntrusted() throws {
        let image = dir + "/t.sqsh"
        try "require-signature = yes\n".write(toFile: dir + "/vessel.conf", atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", dir + "/vessel.conf"])
        let unsigned = try v("exec", image, "true")
        XCTAssertEqual(unsigned.status, 125)
        XCTAssertEqual(unsigned.stderr, "vessel exec: \(image): not signed, and this site requires a signature from a trusted key (require-signature in vessel.conf)\n")
        // Signed by a key this user does not trust (someone else's home).
        let otherEnv = ["HOME": dir + "/other"]
        try FileManager.default.createDirectory(atPath: dir + "/other", withIntermediateDirectories: true)
        if let u = Harness.testUser { try Harness.run(["chown", "-R", u, dir + "/other"]) }
        XCTAssertEqual(try v("key", "new", "--name", "stranger", extra: otherEnv).status, 0)
        XCTAssertEqual(try v("sign", image, extra: otherEnv).status, 0)
        let untrusted = try v("exec", image, "true")
        XCTAssertEqual(untrusted.status, 125)
        XCTAssertTrue(untrusted.stderr.contains("signed by stranger (key "), untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("none of them a trusted key"), untrusted.stderr)
        // Trusting that key lets it run.
        let pub = dir + "/other/.config/vessel/keys/stranger.pub"
        XCTAssertEqual(try v("key", "import", pub).status, 0)
        let trusted = try v("exec", image, "cat", "/old/keep.txt")
        XCTAssertEqual(trusted.stdout, "v2\n", trusted.stderr)
        XCTAssertEqual(try v("verify", "--trusted", image).status, 0)
    }

    func testDiffListsChanges() throws {
        let a = dir + "/t.sqsh"
        let b = dir + "/edge.sqsh"
        XCTAssertEqual(try v("build", "-q", b, "oci:" + Harness.require("oci/tiny")).status, 0)
        let same = try v("diff", a, b)
        XCTAssertEqual(same.stdout, "0 added (0 B), 0 removed (0 B), 0 changed\n", same.stderr)
        let m = dir + "/m.sqsh"
        let root = try Harness.require("expected/tiny/rootfs")
        try Harness.run(["sh", "-c", "cp -a \(root) \(dir)/tree && echo new > \(dir)/tree/added.txt && rm \(dir)/tree/old/keep.txt && echo changed > \(dir)/tree/srv/app/main.py; mksquashfs \(dir)/tree \(m) -noappend -quiet -no-progress; chmod 644 \(m)"])
        let d = try v("diff", a, m)
        XCTAssertTrue(d.stdout.contains("+ /added.txt  4 B\n"), d.stdout)
        XCTAssertTrue(d.stdout.contains("- /old/keep.txt  3 B\n"), d.stdout)
        XCTAssertTrue(d.stdout.contains("~ /srv/app/main.py  (size)"), d.stdout)
    }
}
