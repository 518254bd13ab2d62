import XCTest

/// The output is a plain SquashFS 4.0 file: the kernel, squashfuse and unsquashfs read it.
final class MountTests: XCTestCase {
    private func image() throws -> (String, String) {
        let dir = try Harness.scratch()
        let out = dir + "/tiny.sqsh"
        let r = try Harness.vessel("build", "-q", out, "oci:" + (try Harness.require("oci/tiny")))
        XCTAssertEqual(r.status, 0, r.stderr)
        return (dir, out)
    }

    func testKernelMountsIt() throws {
        guard Harness.isRoot else { throw Harness.skip("a kernel loop mount needs root") }
        let (dir, out) = try image()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mnt = dir + "/kernel"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        let mount = try Harness.run(["mount", "-t", "squashfs", "-o", "loop,ro", out, mnt])
        XCTAssertEqual(mount.status, 0, mount.stderr)
        defer { try? Harness.run(["umount", mnt]) }
        XCTAssertEqual(try String(contentsOfFile: mnt + "/old/keep.txt", encoding: .utf8), "v2\n")
        XCTAssertEqual(try String(contentsOfFile: mnt + "/data/sub/hl-c", encoding: .utf8), "three names, one inode\n")
        let st = try Harness.run(["stat", "-c", "%a %u %g %h", mnt + "/usr/local/bin/suid-busybox", mnt + "/data/hl-a", mnt + "/var/nobody.txt"])
        XCTAssertEqual(st.stdout, "4755 0 0 1\n644 0 0 3\n640 65534 65534 1\n")
        let cap = try Harness.run(["getfattr", "--absolute-names", "-n", "security.capability", "-e", "hex", mnt + "/usr/local/bin/capped"])
        XCTAssertTrue(cap.stdout.contains("security.capability=0x"), cap.stdout + cap.stderr)
    }

    func testSquashfuseMountsItAsAnOrdinaryUser() throws {
        let (dir, out) = try image()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mnt = dir + "/fuse"
        let script = "mkdir -p \(mnt) && squashfuse \(out) \(mnt) && cat \(mnt)/srv/app/main.py && stat -c '%a %u' \(mnt)/srv/secret.txt; rc=$?; fusermount3 -u \(mnt); exit $rc"
        let r = try Harness.run(["sh", "-c", script], asTestUser: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "print('app')\n600 1000\n")
    }

    func testUnsquashfsListsIt() throws {
        let (dir, out) = try image()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Harness.run(["unsquashfs", "-s", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Compression zstd"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Block size 131072"), r.stdout)
    }
}
