import XCTest

/// Bad input gets one line naming the thing and the cause, a non-zero exit, and no file.
final class BadInputTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try Harness.scratch() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Builds SOURCE into the scratch directory and checks the refusal.
    private func assertRefused(_ source: String, _ expected: String..., output: String? = nil, extra: [String] = [],
                               environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let out = output ?? dir + "/out.sqsh"
        let r = try Harness.run([Harness.vessel, "build"] + extra + [out, source], asTestUser: true, environment: environment)
        XCTAssertEqual(r.status, 1, "exit status; stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, "one line expected, got:\n\(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("vessel build: "), r.stderr, file: file, line: line)
        for phrase in expected {
            XCTAssertTrue(r.stderr.contains(phrase), "\"\(phrase)\" not in: \(r.stderr)", file: file, line: line)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: out).deletingLastPathComponent().path)
        XCTAssertEqual(left.filter { $0.contains("out.sqsh") || $0.hasPrefix(".vessel") }, [], "left behind", file: file, line: line)
    }

    private func bad(_ name: String) throws -> String { "oci:" + (try Harness.require("bad/\(name)")) }

    /// The deflate stream still decodes: ISA-L's inflate checks gzip's CRC and refuses it; with
    /// zlib (libarchive, which skips the CRC) the diff_id catches it.
    func testCorruptGzip() throws {
        try assertRefused(bad("corrupt-gzip"), "corrupt", "gzip CRC mismatch")
        try assertRefused(bad("corrupt-gzip"), "digest mismatch", "diff_id", environment: ["VESSEL_INFLATE": "zlib"])
    }

    func testCorruptZstd() throws { try assertRefused(bad("corrupt-zstd"), "corrupt or truncated", "Zstd") }

    func testTruncatedTar() throws { try assertRefused(bad("truncated-tar"), "corrupt or truncated", "Truncated tar") }

    func testDigestMismatch() throws { try assertRefused(bad("digest-mismatch"), "digest mismatch", "expected sha256:") }

    func testSizeMismatch() throws { try assertRefused(bad("size-mismatch"), "size mismatch", "expected 2064362 bytes") }

    func testMissingBlob() throws { try assertRefused(bad("missing-blob"), "is missing from", "sha256:") }

    func testUnknownMediaType() throws { try assertRefused(bad("unknown-mediatype"), "unsupported media type", "tar+bzip2") }

    func testParentDirectoryEscape() throws { try assertRefused(bad("escape-dotdot"), "a/../../evil", "escape the image root") }

    func testAbsolutePath() throws { try assertRefused(bad("escape-absolute"), "/etc/evil", "absolute") }

    func testEscapeThroughSymlinkOfLowerLayer() throws { try assertRefused(bad("escape-symlink"), "\"link\"", "symbolic link") }

    func testEscapeThroughSymlinkOfSameLayer() throws { try assertRefused(bad("escape-symlink-same-layer"), "link/evil", "symbolic link") }

    func testMissingSource() throws { try assertRefused("oci:/nonexistent/layout", "/nonexistent/layout", "no such file") }

    func testNotAnImage() throws { try assertRefused("/etc/hostname", "not an image source") }

    func testUnwritableOutputDirectory() throws {
        guard Harness.testUser != nil else { throw Harness.skip("needs the unprivileged test user") }
        let locked = dir + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        try Harness.run(["chown", "root", locked])
        try assertRefused("oci:" + Harness.require("oci/tiny"), "Permission denied", locked, output: locked + "/out.sqsh")
    }

    func testFullDisk() throws {
        guard Harness.isRoot else { throw Harness.skip("mounting a small tmpfs needs root") }
        let small = dir + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        XCTAssertEqual(try Harness.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0777", "tmpfs", small]).status, 0)
        defer { try? Harness.run(["umount", small]) }
        try assertRefused("oci:" + Harness.require("oci/tiny"), "out.sqsh", "No space left on device", output: small + "/out.sqsh")
    }

    func testExistingOutputIsKept() throws {
        let out = dir + "/out.sqsh"
        try Harness.run(["sh", "-c", "echo precious > \(out) && chmod 666 \(out)"])
        let r = try Harness.vessel("build", out, "oci:" + (try Harness.require("oci/tiny")))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("already exists (use --force"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "precious\n")
    }

    func testNoMatchingPlatform() throws {
        try assertRefused("oci:" + Harness.require("multiarch"), "linux/s390x", "linux/amd64, linux/arm64/v8", "--arch",
                          extra: ["--arch", "s390x"])
    }

    func testBadOptions() throws {
        try assertRefused("oci:" + Harness.require("oci/tiny"), "gzip level 12", extra: ["--compression", "gzip", "--level", "12"])
        try assertRefused("oci:" + Harness.require("oci/tiny"), "block size", extra: ["--block-size", "3K"])
    }

    func testInterruptedBuildLeavesNothing() throws {
        let src = "oci:" + (try Harness.require("oci/tiny"))
        for signal in ["TERM", "KILL"] {
            // Start, stop it while it runs, and look for leftovers.
            let script = "\(Harness.vessel) build -q \(dir)/out.sqsh \(src) & pid=$!; sleep 0.05; kill -\(signal) $pid; wait $pid; true"
            try Harness.run(["sh", "-c", script], asTestUser: true)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "out.sqsh" }
            XCTAssertEqual(left, [], "after SIG\(signal)")
            try? FileManager.default.removeItem(atPath: dir + "/out.sqsh")
        }
    }
}
