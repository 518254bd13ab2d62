import Foundation
import XCTest

/// What the end-to-end tests run against: the built `vessel`, the fixture images made by
/// Tests/Fixtures (scripts/test builds them), and an unprivileged user to convert as.
enum Harness {
    static let env = ProcessInfo.processInfo.environment

    static var fixtures: String { env["VESSEL_FIXTURES"] ?? "/var/tmp/vessel-fixtures" }
    static var isRoot: Bool { getuid() == 0 }
    /// Rootless behaviour is tested as this user when the tests run as root (as in CI).
    static var testUser: String? { isRoot ? env["VESSEL_TEST_USER"] : nil }

    static var vessel: String {
        if let bin = env["VESSEL_BIN"] { return bin }
        // Beside the test executable: .build/<triple>/<config>/vessel
        let tests = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return tests.deletingLastPathComponent().appendingPathComponent("vessel").path
    }

    static var treeDiff: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tree-diff.py").path
    }

    /// A missing prerequisite: the test skips, except on the reference run (scripts/test as root,
    /// which installs and starts everything the tests use, sets VESSEL_NO_SKIP=1), where it is a
    /// failure that says what was missing.
    static func skip(_ reason: String) -> Error {
        env["VESSEL_NO_SKIP"] == "1" ? MissingPrerequisite(reason: reason) : XCTSkip(reason)
    }

    struct MissingPrerequisite: Error, CustomStringConvertible {
        let reason: String
        var description: String { "missing on the reference run (nothing may skip there): \(reason)" }
    }

    /// Skips the test when the fixture images have not been built.
    static func require(_ relative: String) throws -> String {
        let p = fixtures + "/" + relative
        guard FileManager.default.fileExists(atPath: p) else {
            throw Harness.skip("fixture \(p) is missing: run scripts/test, which builds the test images")
        }
        return p
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// Runs a command and waits; `asTestUser` drops to the unprivileged test user when root.
    @discardableResult
    static func run(_ args: [String], asTestUser: Bool = false, environment: [String: String] = [:]) throws -> Result {
        let p = try process(args, asTestUser: asTestUser, environment: environment)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes while the process runs so that neither fills up.
        let outData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A process ready to start; as the test user through setpriv, which execs in place, so
    /// that the process's pid is the command's own and signals reach it directly.
    static func process(_ args: [String], asTestUser: Bool, environment: [String: String] = [:]) throws -> Process {
        var argv = args
        var e = env
        for (k, v) in environment { e[k] = v }
        if asTestUser, let user = testUser, let pw = getpwnam(user) {
            let home = String(cString: pw.pointee.pw_dir)
            if environment["HOME"] == nil { e["HOME"] = home }
            e["USER"] = user
            e["LOGNAME"] = user
            argv = ["setpriv", "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)", "--init-groups"] + args
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.environment = e
        return p
    }

    /// The uid and gid the conversions and containers run as.
    static var testIDs: (uid: UInt32, gid: UInt32) {
        if let user = testUser, let pw = getpwnam(user) { return (pw.pointee.pw_uid, pw.pointee.pw_gid) }
        return (getuid(), getgid())
    }

    /// `vessel ARGS...` as the test user.
    @discardableResult
    static func vessel(_ args: String..., environment: [String: String] = [:]) throws -> Result {
        try run([vessel] + args, asTestUser: true, environment: environment)
    }

    /// A fresh directory the test user may write to.
    static func scratch(_ name: String = #function) throws -> String {
        let dir = NSTemporaryDirectory() + "vessel-e2e-\(name.filter { $0.isLetter || $0.isNumber })-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let user = testUser {
            try run(["chown", user, dir])
        }
        return dir
    }

    static func sha256(_ path: String) throws -> String {
        let r = try run(["sha256sum", path])
        return String(r.stdout.prefix(64))
    }

    /// Converts SOURCE as the test user and compares the result with a reference tree.
    static func assertConvertsExactly(_ source: String, reference: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try scratch("fidelity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/image.sqsh"
        let build = try vessel("build", "--quiet", out, source)
        XCTAssertEqual(build.status, 0, "vessel build \(source): \(build.stderr)", file: file, line: line)
        // Vessel's own metadata, and what it writes for Apptainer and Charliecloud, are not the image's.
        let diff = try run(["python3", treeDiff, reference, out] + ["/.vessel", "/.singularity.d", "/ch"].flatMap { ["--exclude", $0, "--exclude", $0 + "/*"] })
        XCTAssertEqual(diff.status, 0, "\(source) differs from \(reference):\n\(diff.stdout)\(diff.stderr)", file: file, line: line)
    }
}


/// Standard output read on another thread; `DispatchGroup.wait` orders the accesses.
private final class DataBox: @unchecked Sendable { var data = Data() }

extension Harness {
    /// Python that writes a one-layer OCI layout: `write_layout(dir, layer, diff_id, media_type)`,
    /// for tests that make a layer no fixture has (prepend it to a script).
    static let ociLayoutPython = """
        import hashlib, json, os
        def write_layout(d, layer, diff_id, media_type):
            os.makedirs(d + "/blobs/sha256", exist_ok=True)
            def put(b):
                h = hashlib.sha256(b).hexdigest(); open(d + "/blobs/sha256/" + h, "wb").write(b); return "sha256:" + h
            ld = put(layer)
            config = json.dumps({"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
            cd = put(config)
            manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
                "layers": [{"mediaType": media_type, "digest": ld, "size": len(layer)}]}).encode()
            md = put(manifest)
            json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, open(d + "/index.json", "w"))
            open(d + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')

        """
}
