import Foundation
import XCTest

/// vessel exec / run / shell as an unprivileged user: namespaces, the FUSE mount, binds,
/// environment, exit status, signals, and nothing left behind.
final class RuntimeTests: XCTestCase {
    private static var dir = ""
    private static var tiny = ""

    override class func setUp() {
        super.setUp()
        guard let layout = try? Harness.require("oci/tiny"), let d = try? Harness.scratch("runtime") else { return }
        dir = d
        tiny = d + "/tiny.sqsh"
        _ = try? Harness.vessel("build", "-q", tiny, "oci:" + layout)
    }

    override class func tearDown() {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    private var tiny: String {
        get throws {
            guard FileManager.default.fileExists(atPath: Self.tiny) else { throw Harness.skip("fixture oci/tiny missing: run scripts/test") }
            return Self.tiny
        }
    }

    /// Runs `vessel ARGS` as the test user from `cwd`.
    private func vessel(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Harness.Result {
        var argv = [Harness.vessel] + args
        if let cwd { argv = ["sh", "-c", "cd \"$0\" && exec \"$@\"", cwd] + argv }
        return try Harness.run(argv, asTestUser: true, environment: env)
    }

    /// `--join KEY`: starts given one key share one container (one user and mount namespace,
    /// the host's PIDs), which ends once they have; another key, or different options, do not.
    func testJoinSharesOneContainerThatEndsWithItsLastUser() throws {
        let image = try tiny
        let show = "echo $$ $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt); sleep 1"
        let script = (1...3).map { _ in "\(Harness.vessel) exec --join k1 \(image) sh -c '\(show)' &" }.joined(separator: "\n")
            + "\n\(Harness.vessel) exec --join k1 --env X=1 \(image) sh -c '\(show)' &\nwait"
        let r = try Harness.run(["sh", "-c", script], asTestUser: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, 4, r.stdout + r.stderr)
        // Host PIDs (no PID namespace of their own), and two containers: three in one, one apart.
        XCTAssertFalse(lines.contains { ["1", "2"].contains($0[0]) }, r.stdout)
        let containers = Dictionary(grouping: lines, by: { $0.dropFirst().joined(separator: " ") })
        XCTAssertEqual(containers.values.map(\.count).sorted(), [1, 3], r.stdout)
        // The shared container's processes end within seconds of its last user.
        let user = try XCTUnwrap(containers.first { $0.value.count == 3 }?.key.split(separator: " ").first.map(String.init))
        var left = true
        for _ in 0..<20 where left {
            usleep(500_000)
            let scan = try Harness.run(["sh", "-c", "for p in /proc/[0-9]*; do [ \"$(readlink $p/ns/user 2>/dev/null)\" = '\(user)' ] && echo $p; done; true"])
            left = !scan.stdout.isEmpty
        }
        XCTAssertFalse(left, "the shared container's processes outlived its users")
    }

    func testRunPrintsWhatTheEntrypointPrints() throws {
        let (uid, gid) = Harness.testIDs
        let r = try vessel(["run", tiny])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Env GREETING, WorkingDir /srv/app; the image's User 1000 is not taken without --fakeroot.
        XCTAssertEqual(r.stdout, "hello world\nuid=\(uid) gid=\(gid) cwd=/srv/app\n")
        let args = try vessel(["run", "--pwd", "/tmp", tiny, "there"])
        XCTAssertEqual(args.stdout, "hello there\nuid=\(uid) gid=\(gid) cwd=/tmp\n", args.stderr)
    }

    func testExecKeepsTheCurrentDirectoryAndTheExitStatus() throws {
        let here = Self.dir
        let r = try vessel(["exec", tiny, "sh", "-c", "pwd; exit 3"], cwd: here)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(r.stdout, here + "\n")
        XCTAssertEqual(try vessel(["exec", tiny, "true"]).status, 0)
        XCTAssertEqual(try vessel(["exec", tiny, "sh", "-c", "kill -9 $$"]).status, 137)
        let missing = try vessel(["exec", tiny, "no-such-command"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertTrue(missing.stderr.contains("no-such-command"), missing.stderr)
    }

    func testUserEntriesAndHostFiles() throws {
        let (uid, _) = Harness.testIDs
        let r = try vessel(["exec", tiny, "sh", "-c", "id -un; grep -c . /etc/resolv.conf >/dev/null && echo resolv; head -1 /etc/passwd"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(Harness.testUser ?? NSUserName())\nresolv\nroot:x:0:0:root:/root:/bin/sh\n")
        _ = uid
    }

    func testFakeroot() throws {
        let shared = Self.dir + "/fakeroot-out"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        if let user = Harness.testUser { try Harness.run(["chown", user, shared]) }
        let r = try vessel(["exec", "--fakeroot", "--bind", shared, tiny, "sh", "-c", "id -u; touch \(shared)/made-inside"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "0\n")
        let owner = try FileManager.default.attributesOfItem(atPath: shared + "/made-inside")[.ownerAccountID] as? NSNumber
        XCTAssertEqual(owner?.uint32Value, Harness.testIDs.uid, "a file root makes inside belongs to the user outside")
    }

    /// run --fakeroot takes the image's User (1000:1000 in the fixture), which needs the
    /// user's subordinate ids (useradd gives a range on Debian).
    func testFakerootRunHonoursTheImageUser() throws {
        guard let user = Harness.testUser, (try? String(contentsOfFile: "/etc/subuid", encoding: .utf8))?.contains(user + ":") == true else {
            throw Harness.skip("the test user has no /etc/subuid range")
        }
        let r = try vessel(["run", "--fakeroot", tiny])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hello world\nuid=1000 gid=1000 cwd=/srv/app\n")
        let exec = try vessel(["exec", "--fakeroot", tiny, "id", "-u"])
        XCTAssertEqual(exec.stdout, "0\n", "exec --fakeroot stays root")
    }

    /// Without newuidmap the image's User cannot exist inside: one warning line says what is
    /// missing and its fix (as vessel doctor does), and the image runs as root.
    func testFakerootRunWithoutNewuidmapWarnsAndRunsAsRoot() throws {
        guard Harness.isRoot, Harness.testUser != nil else { throw Harness.skip("renaming newuidmap aside needs root") }
        let tool = "/usr/bin/newuidmap", aside = "/usr/bin/newuidmap.vessel-test-aside"
        guard rename(tool, aside) == 0 else { throw Harness.skip("\(tool) is not installed (apt-get install uidmap)") }
        defer { rename(aside, tool) }
        let image = try tiny
        let r = try vessel(["run", "--fakeroot", image])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hello world\nuid=0 gid=0 cwd=/srv/app\n")
        XCTAssertEqual(r.stderr, "vessel: warning: the image's User 1000:1000 needs subordinate ids, but newuidmap/newgidmap are not installed (as root: apt-get install uidmap); running as root\n")
        let doctor = try Harness.vessel("doctor")
        XCTAssertTrue(doctor.stdout.contains("newuidmap/newgidmap are not installed"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("as root: apt-get install uidmap"), doctor.stdout)
    }

    /// -v: a step log on standard error, the command's output untouched.
    func testVerboseSaysEachStep() throws {
        let r = try vessel(["exec", "-v", try tiny, "echo", "out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "out\n")
        let lines = r.stderrLines
        for step in ["opened ", "trust policy", "entered a user and mount namespace", "image mounted at", "root prepared", "bind /dev -> /dev", "init started"] {
            XCTAssertTrue(lines.contains { $0.contains(step) }, "no '\(step)' in:\n\(r.stderr)")
        }
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("vessel: ") && $0.contains(" ms  ") }, r.stderr)
    }

    func testBinds() throws {
        let src = Self.dir + "/bind-src"
        try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
        try "from the host\n".write(toFile: src + "/f", atomically: true, encoding: .utf8)
        if let user = Harness.testUser { try Harness.run(["chown", "-R", user, src]) }

        let ro = try vessel(["exec", "--bind", src + ":/data:ro", tiny, "sh", "-c", "cat /data/f; touch /data/x"])
        XCTAssertEqual(ro.stdout, "from the host\n")
        XCTAssertNotEqual(ro.status, 0)
        XCTAssertTrue(ro.stderr.contains("Read-only file system"), ro.stderr)

        // A destination the image lacks is created, deep paths included.
        let rw = try vessel(["exec", "-B", src + ":/new/deep/dir:rw", tiny, "sh", "-c", "echo written > /new/deep/dir/g"])
        XCTAssertEqual(rw.status, 0, rw.stderr)
        XCTAssertEqual(try String(contentsOfFile: src + "/g", encoding: .utf8), "written\n")

        let missing = try vessel(["exec", "--bind", "/no/such/source:/x", tiny, "true"])
        XCTAssertEqual(missing.status, 125)
        XCTAssertEqual(missing.stderr, "vessel exec: --bind /no/such/source: the source does not exist\n")
        let bad = try vessel(["exec", "--bind", src + ":relative", tiny, "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertTrue(bad.stderr.contains("absolute"), bad.stderr)
    }

    /// tmpfs:DST (with options) and umount:DST, as Pyxis job scripts write them.
    func testTmpfsAndUmountMounts() throws {
        let marker = "/tmp/vessel-umount-marker-\(getpid())"
        FileManager.default.createFile(atPath: marker, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let r = try vessel(["exec", "--bind", "tmpfs:/scratch:size=1M", "--bind", "umount:/tmp", try tiny, "sh", "-c",
                            "touch /scratch/x && echo scratch; test -e \(marker) && echo host-tmp || echo no-host-tmp; grep ' /scratch ' /proc/mounts | grep -c size=1024k"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "scratch\nno-host-tmp\n1\n")
        let bad = try vessel(["exec", "--bind", "tmpfs:/x:exec", try tiny, "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "vessel exec: --bind tmpfs:/x:exec: a tmpfs option must be ro, rw, size=, nr_inodes= or mode=, not exec\n")
    }

    /// A bind whose target lies below a tmpfs given before it gets its mount point made in that
    /// tmpfs (as a PMIx directory below a private /tmp does), a directory or a file as its source is.
    func testBindsBelowATmpfs() throws {
        let r = try vessel(["exec", "--bind", "tmpfs:/scratch", "--bind", "/etc/os-release:/scratch/a/os-release",
                            "--bind", "/usr/share:/scratch/b/share:ro", try tiny, "sh", "-c",
                            "ls /scratch; test -f /scratch/a/os-release && echo file; test -d /scratch/b/share/doc && echo dir"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "a\nb\nfile\ndir\n")
    }

    /// --unshare net gives a network namespace with loopback up and nothing else; ipc and uts.
    func testUnshare() throws {
        let r = try vessel(["exec", "--unshare", "net,ipc,uts", try tiny, "sh", "-c", "grep -c : /proc/net/dev; cat /sys/class/net/lo/operstate 2>/dev/null || echo lo"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").first, "1", r.stdout)
        let bad = try vessel(["exec", "--unshare", "pid", try tiny, "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "vessel exec: --unshare pid: pid is not a namespace Vessel unshares (net, ipc, uts)\n")
    }

    func testHomeCurrentDirectoryAndTheirOptOuts() throws {
        guard let user = Harness.testUser, let pw = getpwnam(user) else { throw Harness.skip("needs the test user") }
        let home = String(cString: pw.pointee.pw_dir)
        let marker = home + "/vessel-home-marker"
        try Harness.run(["sh", "-c", "echo home > \(marker) && chown \(user) \(marker)"])
        defer { unlink(marker) }
        let hostTmp = "/tmp/vessel-host-tmp-\(getpid())"
        FileManager.default.createFile(atPath: hostTmp, contents: Data())
        defer { unlink(hostTmp) }

        XCTAssertEqual(try vessel(["exec", tiny, "cat", marker]).stdout, "home\n")
        XCTAssertNotEqual(try vessel(["exec", "--no-home", tiny, "cat", marker]).status, 0)
        let cwd = try vessel(["exec", tiny, "pwd"], cwd: Self.dir)
        XCTAssertEqual(cwd.stdout, Self.dir + "\n")
        XCTAssertEqual(try vessel(["exec", tiny, "ls", hostTmp]).status, 0, "the host's /tmp is bound")
        let contained = try vessel(["exec", "--contain", tiny, "sh", "-c", "cat \(marker) 2>/dev/null; ls \(hostTmp) 2>/dev/null; pwd"], cwd: Self.dir)
        XCTAssertEqual(contained.stdout, "/srv/app\n", "no home, no host /tmp, the image's WorkingDir: \(contained.stderr)")
    }

    func testWritableTmpfsWritesVanish() throws {
        let w = try vessel(["exec", "--writable-tmpfs", "--fakeroot", tiny, "sh", "-c", "echo new > /srv/app/new.txt && cat /srv/app/new.txt"])
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertEqual(w.stdout, "new\n")
        let after = try vessel(["exec", "--fakeroot", tiny, "ls", "/srv/app"])
        XCTAssertEqual(after.stdout, "main.py\n", "the write is gone")
        let ro = try vessel(["exec", "--fakeroot", tiny, "sh", "-c", "echo x > /srv/app/new.txt"])
        XCTAssertNotEqual(ro.status, 0)
        XCTAssertTrue(ro.stderr.contains("Read-only file system"), ro.stderr)
    }

    /// Where the kernel refuses overlayfs in a user namespace, fuse-overlayfs makes the root
    /// (VESSEL_OVERLAY=fuse forces it here, where the kernel allows both).
    func testFuseOverlayfsRoot() throws {
        let fuse = ["VESSEL_OVERLAY": "fuse"]
        let w = try vessel(["exec", "--writable-tmpfs", "--fakeroot", tiny, "sh", "-c", "echo new > /srv/app/new.txt && cat /srv/app/new.txt && grep -c fuse-overlayfs /proc/mounts"], env: fuse)
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertEqual(w.stdout, "new\n1\n")
        let ro = try vessel(["exec", tiny, "sh", "-c", "id -un; echo x > /srv/app/new.txt"], env: fuse)
        XCTAssertEqual(ro.stdout, (Harness.testUser ?? NSUserName()) + "\n")
        XCTAssertTrue(ro.stderr.contains("Read-only file system"), ro.stderr)
        XCTAssertEqual(try vessel(["exec", tiny, "ls", "/srv/app"], env: fuse).stdout, "main.py\n", "the write is gone")
        XCTAssertEqual(try Harness.run(["pgrep", "-u", Harness.testUser ?? NSUserName(), "fuse-overlayfs"]).stdout, "", "no fuse-overlayfs left")
    }

    func testEnvironment() throws {
        let script = "echo \"$FROM_HOST|$GREETING|$SPACED|$A|$PATH|$FILE_VAR\""
        let envFile = Self.dir + "/env-file"
        try "# comment\nFILE_VAR=\"quoted value\"\nexport GREETING=from-file\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", envFile])
        let host = ["FROM_HOST": "yes", "PATH": "/host/only/bin:/usr/bin:/bin"]
        let r = try vessel(["exec", tiny, "sh", "-c", script], env: host)
        XCTAssertEqual(r.stdout, "yes|hello|a b  c||/usr/local/bin:/usr/bin:/bin|\n", "host vars pass, the image's Env wins, PATH is the image's")
        let e = try vessel(["exec", "--env", "A=1", "--env-file", envFile, tiny, "sh", "-c", script], env: host)
        XCTAssertEqual(e.stdout, "yes|from-file|a b  c|1|/usr/local/bin:/usr/bin:/bin|quoted value\n")
        let clean = try vessel(["exec", "--cleanenv", tiny, "sh", "-c", script], env: host)
        XCTAssertEqual(clean.stdout, "|hello|a b  c||/usr/local/bin:/usr/bin:/bin|\n")
        let bad = try vessel(["exec", "--env", "NOEQUALS", tiny, "true"])
        XCTAssertEqual(bad.status, 125)
    }

    /// A terminal passes through (an interactive shell needs it), and /dev/shm is usable.
    func testTerminalPassesThrough() throws {
        let inner = "\(Harness.vessel) exec \(try tiny) sh -c 'test -t 0 && test -t 1 && echo terminal; tty; echo x > /dev/shm/vessel-$$ && rm /dev/shm/vessel-$$ && echo shm'"
        let r = try Harness.run(["script", "-qec", inner, "/dev/null"], asTestUser: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.replacingOccurrences(of: "\r", with: "").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.stdout)
        XCTAssertEqual(lines.first, "terminal")
        XCTAssertTrue(lines.dropFirst().first?.hasPrefix("/dev/pts/") == true, r.stdout)
        XCTAssertEqual(lines.last, "shm")
    }

    /// Slurm ends a job with SIGTERM; the container's process gets it.
    func testSigtermIsForwarded() throws {
        let p = try Harness.process([Harness.vessel, "exec", tiny, "sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; sleep 30 & wait"],
                                    asTestUser: true)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let ready = out.fileHandleForReading.availableData
        XCTAssertEqual(String(decoding: ready, as: UTF8.self), "ready\n")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 42)
        XCTAssertEqual(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "got TERM\n")
    }

    /// The container's process killed with SIGKILL, or Vessel itself: nothing is left, not even
    /// the command's own children.
    func testNothingLeftAfterSigkill() throws {
        let tag = "vessel-leftover-\(getpid())"
        let user = Harness.testUser ?? NSUserName()
        for victim in ["container", "vessel"] {
            let p = try Harness.process([Harness.vessel, "exec", tiny, "sh", "-c", "sleep 300 & echo ready; wait", tag], asTestUser: true)
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            _ = out.fileHandleForReading.availableData
            if victim == "container" {
                try Harness.run(["pkill", "-KILL", "-f", "^sh -c sleep 300 & echo ready; wait \(tag)"])
            } else {
                kill(p.processIdentifier, SIGKILL)
            }
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, victim == "container" ? 137 : SIGKILL, victim)
            usleep(300_000)
            let left = try Harness.run(["pgrep", "-u", user, "-x", "sleep"])
            XCTAssertNotEqual(left.status, 0, "a process outlived the container (\(victim) killed): \(left.stdout)")
            let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
            XCTAssertFalse(mounts.contains("fuse.vessel"), "a FUSE mount is left on the host")
        }
    }

    /// Images made by other tools (mksquashfs here) have no /.vessel/ and still run.
    func testPlainSquashFSImage() throws {
        let rootfs = try Harness.require("expected/tiny/rootfs")
        let plain = Self.dir + "/plain.sqfs"
        XCTAssertEqual(try Harness.run(["mksquashfs", rootfs, plain, "-noappend", "-quiet"]).status, 0)
        try Harness.run(["chmod", "644", plain])
        let r = try vessel(["exec", plain, "/bin/sh", "-c", "echo $PATH; cat /old/keep.txt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nv2\n")
        let run = try vessel(["run", plain])
        XCTAssertEqual(run.status, 125)
        XCTAssertTrue(run.stderr.contains("no Entrypoint or Cmd"), run.stderr)
        let shell = try Harness.run(["sh", "-c", "echo 'echo in-shell $0' | \(Harness.vessel) shell \(plain)"], asTestUser: true)
        XCTAssertEqual(shell.stdout, "in-shell /bin/sh\n", shell.stderr)
    }

    /// An image is untrusted: a file whose sizes do not fit its blocks reads as an I/O error,
    /// where the FUSE server would copy (or hand the kernel) memory past a block: a tail past the
    /// end of its fragment block, a data block shorter than the file's size says. The server goes
    /// on serving, and the image's other files read as they should.
    func testAFileThatDoesNotFitItsBlocksIsAnIOError() throws {
        let rootfs = try Harness.require("expected/tiny/rootfs")
        let tree = Self.dir + "/crafted-tree", image = Self.dir + "/crafted.sqfs"
        try? FileManager.default.removeItem(atPath: tree)
        XCTAssertEqual(try Harness.run(["cp", "-a", rootfs, tree]).status, 0)
        let tail = 54_321  // sizes no other file of the tree has: a tail in a fragment,
        let blocks = 3 * 131_072  // and three whole 128 KiB blocks
        try Data(repeating: UInt8(ascii: "x"), count: tail).write(to: URL(fileURLWithPath: tree + "/bad-tail.txt"))
        try Data(repeating: UInt8(ascii: "y"), count: blocks).write(to: URL(fileURLWithPath: tree + "/bad-block.txt"))
        try "good\n".write(toFile: tree + "/good.txt", atomically: true, encoding: .utf8)
        // Nothing compressed, so that the inodes can be found and changed in place.
        XCTAssertEqual(try Harness.run(["mksquashfs", tree, image, "-noappend", "-quiet", "-noI", "-noD", "-noF", "-noX"]).status, 0)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func set(_ at: Int, _ value: Int) { for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
        // A basic file inode: type 2, a 16-byte header, then start block, fragment index,
        // offset in the fragment, file size, and the sizes of its blocks.
        func inode(size: Int, inFragment: Bool) -> Int? {
            let found = stride(from: 0, to: bytes.count - 32, by: 1).filter {
                u16($0) == 2 && u32($0 + 28) == size && (u32($0 + 20) != 0xFFFF_FFFF) == inFragment
            }
            XCTAssertEqual(found.count, 1, "the inode of the file of \(size) bytes")
            return found.first
        }
        let tailInode = try XCTUnwrap(inode(size: tail, inFragment: true))
        set(tailInode + 24, 0xF0_0000)  // its tail 15 MiB into a 128 KiB fragment block
        let blockInode = try XCTUnwrap(inode(size: blocks, inFragment: false))
        XCTAssertEqual(u32(blockInode + 36), 1 << 24 | 131_072, "its second block, stored uncompressed")
        set(blockInode + 36, 1 << 24 | 100)  // that block now holds 100 bytes
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        try Harness.run(["chmod", "644", image])
        let r = try vessel(["exec", image, "/bin/sh", "-c",
                            "cat /bad-tail.txt >/dev/null; echo tail=$?; cat /bad-block.txt >/dev/null; echo block=$?; cat /good.txt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "tail=1\nblock=1\ngood\n", r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "Input/output error").count, 3, r.stderr)

        // Vessel reads the image's own configuration in its process, with the same checks: one
        // line, no crash (squashfuse's copy of a tail outside its fragment was a segmentation fault).
        try FileManager.default.createDirectory(atPath: tree + "/.vessel", withIntermediateDirectories: true)
        let config = "{\"cmd\": [\"/bin/true\"], \"labels\": {\"pad\": \"\(String(repeating: "p", count: 777))\"}}"
        try config.write(toFile: tree + "/.vessel/config.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Harness.run(["mksquashfs", tree, image, "-noappend", "-quiet", "-noI", "-noD", "-noF", "-noX"]).status, 0)
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        let configInode = try XCTUnwrap(inode(size: config.utf8.count, inFragment: true))
        set(configInode + 24, 0xF0_0000)
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        let run = try vessel(["run", image])
        XCTAssertEqual(run.status, 125, run.stderr)
        XCTAssertEqual(run.stderr, "vessel run: \(image): /.vessel/config.json: Input/output error\n")
    }

    /// Files have inode numbers of their own and hard links share one: programs, the dynamic
    /// loader among them, tell files apart by (device, inode).
    func testInodeIdentity() throws {
        for mode in [[], ["--unpack"]] {
            let r = try vessel(["exec"] + mode + [tiny, "stat", "-c", "%i", "/data/hl-a", "/data/hl-b", "/data/sub/hl-c",
                                                   "/data/empty.txt", "/old/keep.txt", "/bin/busybox"])
            let inodes = r.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(inodes.count, 6, r.stderr)
            XCTAssertEqual(Set(inodes[0..<3]).count, 1, "hard links share an inode \(mode)")
            XCTAssertEqual(Set(inodes).count, 4, "distinct files, distinct inodes \(mode): \(inodes)")
        }
    }

    /// Run with real privilege, the kernel mounts the image (a loop device that goes with it);
    /// an ordinary user gets the FUSE mount; --unpack, the unpacked copy.
    func testHowTheImageIsMounted() throws {
        let image = try tiny
        XCTAssertEqual(try vessel(["exec", image, "sh", "-c", "echo $VESSEL_IMAGE_MOUNT"]).stdout, "fuse\n")
        XCTAssertEqual(try vessel(["exec", "--unpack", image, "sh", "-c", "echo $VESSEL_IMAGE_MOUNT"]).stdout, "unpacked\n")
        guard Harness.isRoot else { return }
        let root = try Harness.run([Harness.vessel, "exec", image, "sh", "-c", "echo $VESSEL_IMAGE_MOUNT; id -u; cat /srv/app/main.py"])
        XCTAssertEqual(root.status, 0, root.stderr)
        XCTAssertEqual(root.stdout, "kernel\n0\nprint('app')\n")
        XCTAssertFalse(try Harness.run(["losetup", "-a"]).stdout.contains(image), "a loop device outlived the container")
        XCTAssertFalse(try String(contentsOfFile: "/proc/mounts", encoding: .utf8).contains("squashfs"), "a mount outlived the container")
    }

    /// --unpack gives the same container as the FUSE mount.
    func testUnpack() throws {
        let (uid, gid) = Harness.testIDs
        let r = try vessel(["run", "--unpack", tiny])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hello world\nuid=\(uid) gid=\(gid) cwd=/srv/app\n")
        let tree = try vessel(["exec", "--unpack", tiny, "sh", "-c",
                               "stat -c '%h %a %s' /data/hl-a /usr/local/bin/suid-busybox /data/sparse.bin; readlink /usr/bin/env; cat /old/keep.txt"])
        XCTAssertEqual(tree.stdout, "3 644 23\n1 4755 1982256\n1 644 52428800\n/bin/env\nv2\n", tree.stderr)
    }

    /// Without a usable /dev/fuse Vessel says so and runs from an unpacked copy.
    func testFallsBackToUnpackingWithoutFuse() throws {
        guard Harness.isRoot, let user = Harness.testUser else { throw Harness.skip("hiding /dev/fuse needs root") }
        let image = try tiny
        let blocker = Self.dir + "/no-fuse"
        FileManager.default.createFile(atPath: blocker, contents: Data(), attributes: [.posixPermissions: 0])
        let script = "mount --bind \(blocker) /dev/fuse && exec setpriv --reuid=\(user) --regid=\(user) --init-groups \(Harness.vessel) exec \(image) cat /srv/app/main.py"
        let r = try Harness.run(["unshare", "-m", "sh", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "print('app')\n")
        XCTAssertEqual(r.stderr, "vessel: FUSE is not usable here (/dev/fuse: Permission denied); unpacking the image instead\n")
    }

    func testNotAnImage() throws {
        let r = try vessel(["exec", "/etc/hostname", "true"])
        XCTAssertEqual(r.status, 125)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("not a SquashFS image"), r.stderr)
        XCTAssertEqual(try vessel(["exec", "/nonexistent.sqsh", "true"]).stderr, "vessel exec: /nonexistent.sqsh: no such image file\n")
    }
}
