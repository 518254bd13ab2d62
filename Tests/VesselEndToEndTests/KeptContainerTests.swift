import Foundation
import XCTest

/// `vessel exec --overlay DIR` (a container's writes kept from one start to the next) and
/// `--save FILE` (a container's root written as a new image), as the unprivileged test user.
final class KeptContainerTests: XCTestCase {
    private var dir = ""
    private var tiny = ""

    override func setUpWithError() throws {
        let layout = try Harness.require("oci/tiny")
        dir = try Harness.scratch("kept")
        tiny = dir + "/tiny.sqsh"
        XCTAssertEqual(try Harness.vessel("build", "-q", tiny, "oci:" + layout).status, 0)
        try Harness.run(["chmod", "-R", "a+rwX", dir])
    }

    override func tearDownWithError() throws {
        // What the containers wrote belongs to the test user (and its subordinate ids).
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func vessel(_ args: String...) throws -> Harness.Result {
        try Harness.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", dir, Harness.vessel] + args, asTestUser: true)
    }

    /// What one start writes, removes and replaces is there at the next; the directory keeps
    /// only the container's writes; another image or someone else's directory is refused.
    func testAnOverlayKeepsTheWritesFromOneStartToTheNext() throws {
        let kept = dir + "/kept"
        let first = try vessel("exec", "--overlay", kept, "--fakeroot", tiny, "sh", "-c",
                               "echo one > /etc/greeting && rm /etc/motd && rm -r /old && rm -r /opaque && echo file > /opaque && mkdir -p /opt/a/b && echo deep > /opt/a/b/c")
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try vessel("exec", "--overlay", kept, tiny, "sh", "-c",
                                "cat /etc/greeting /opaque /opt/a/b/c; ls /etc/motd /old 2>&1 | wc -l; test -d /opaque || echo not-a-directory")
        XCTAssertEqual(second.stdout, "one\nfile\ndeep\n2\nnot-a-directory\n", second.stderr)
        XCTAssertEqual(try String(contentsOfFile: kept + "/image", encoding: .utf8).split(separator: "\n").first.map(String.init), tiny)
        // The image itself is as it was.
        let plain = try vessel("exec", tiny, "sh", "-c", "cat /etc/motd >/dev/null && test -d /old && test ! -e /etc/greeting && echo untouched")
        XCTAssertEqual(plain.stdout, "untouched\n", plain.stderr)

        let other = dir + "/other.sqsh"
        XCTAssertEqual(try vessel("build", "-q", "--compression", "gzip", other, "oci:" + (try Harness.require("oci/tiny"))).status, 0)
        let refused = try vessel("exec", "--overlay", kept, other, "true")
        XCTAssertEqual(refused.status, 125)
        XCTAssertEqual(refused.stderr, "vessel exec: --overlay \(kept): holds the writes of another image (\(tiny)); name an empty directory\n")
        let rootsDirectory = dir + "/roots"
        try FileManager.default.createDirectory(atPath: rootsDirectory, withIntermediateDirectories: false)
        let notMine = try vessel("exec", "--overlay", rootsDirectory, tiny, "true")
        XCTAssertEqual(notMine.status, 125)
        XCTAssertEqual(notMine.stderr, "vessel exec: --overlay \(rootsDirectory): not your directory (owned by uid 0)\n")
        XCTAssertEqual(symlink(kept, dir + "/link"), 0)
        let link = try vessel("exec", "--overlay", dir + "/link", tiny, "true")
        XCTAssertEqual(link.stderr, "vessel exec: --overlay \(dir)/link: not a directory\n")

        // Files the container gave a subordinate id: rm cannot remove them, remove-kept can.
        let given = try vessel("exec", "--overlay", kept, "--fakeroot", tiny, "sh", "-c", "mkdir -p /owned/deep && touch /owned/deep/f && chown -R 7:7 /owned && chmod 700 /owned")
        XCTAssertEqual(given.status, 0, given.stderr)
        XCTAssertNotEqual(try Harness.run(["rm", "-rf", kept], asTestUser: true).status, 0, "rm removed files of a subordinate id")
        let removed = try vessel("remove-kept", kept)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: kept))
    }

    /// `--save`: the image plus what the container did (added, changed, removed, hard links,
    /// owners), without what Vessel put there to run it (mount points, its /etc/passwd line);
    /// its provenance names the base image's digest. A failed save is one line and no file.
    func testSaveWritesTheContainersRootAsAnImage() throws {
        let saved = dir + "/saved.sqsh"
        let r = try vessel("exec", "--save", saved, "--fakeroot", tiny, "sh", "-c",
                           "echo new > /srv/app/new.txt && ln /srv/app/new.txt /srv/app/link.txt && rm /etc/motd && rm -r /old && chown 7:7 /srv/app/new.txt")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("wrote \(saved): "), r.stderr)
        let listing = try Harness.run(["unsquashfs", "-lln", saved])
        let entries = listing.stdout.split(separator: "\n").map(String.init)
        func line(_ path: String) -> String? { entries.first { $0.hasSuffix(" squashfs-root" + path) } }
        XCTAssertEqual(line("/srv/app/new.txt")?.split(separator: " ", omittingEmptySubsequences: true)[1], "7/7", listing.stdout)
        XCTAssertNotNil(line("/srv/app/link.txt"))
        XCTAssertNil(line("/etc/motd"))
        XCTAssertNil(line("/old"))
        XCTAssertNil(line("/proc"), "a mount point Vessel made was saved")
        let user = try XCTUnwrap(Harness.testUser)
        XCTAssertNil(line("/home/\(user)"), "the user's home mount point was saved")
        let passwd = try Harness.run(["unsquashfs", "-cat", saved, "/etc/passwd"])
        XCTAssertFalse(passwd.stdout.contains(user), "Vessel's /etc/passwd was saved: \(passwd.stdout)")
        let run = try vessel("exec", saved, "sh", "-c", "cat /srv/app/link.txt; stat -c %h /srv/app/new.txt; cat /etc/motd 2>/dev/null || echo no-motd")
        XCTAssertEqual(run.stdout, "new\n2\nno-motd\n", run.stderr)
        let inspect = try vessel("inspect", saved)
        let digest = try Harness.sha256(tiny)
        XCTAssertTrue(inspect.stdout.contains("Saved from:   sha256:\(digest) (a container's root; below, its base image)"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("Entrypoint:   [\"/usr/local/bin/hello.sh\"]"), inspect.stdout)

        let failed = try vessel("exec", "--save", dir + "/missing/out.sqsh", tiny, "true")
        XCTAssertEqual(failed.status, 125)
        XCTAssertEqual(failed.stderrLines, ["vessel: --save \(dir)/missing/out.sqsh: directory \(dir)/missing does not exist"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/missing"))
    }
}
