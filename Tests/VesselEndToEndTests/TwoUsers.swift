import Foundation
import XCTest

/// Two unprivileged users of one group, an attacker and a victim (scripts/test makes them), and
/// a directory both can reach, for the tests that run an attack: each asserts that the attack
/// fails and that the legitimate use still works.
struct TwoUsers {
    let attacker: String
    let victim: String
    let group: String
    /// root's, 0755: what each user may make there is up to each test.
    let dir: String

    init(_ name: String = #function) throws {
        guard Harness.isRoot, let a = Harness.env["VESSEL_ATTACKER"], let v = Harness.env["VESSEL_VICTIM"],
              let g = Harness.env["VESSEL_TEAM"], getpwnam(a) != nil, getpwnam(v) != nil else {
            throw Harness.skip("needs root and the two test users (VESSEL_ATTACKER, VESSEL_VICTIM): run scripts/test as root")
        }
        attacker = a
        victim = v
        group = g
        dir = "/tmp/vessel-users-\(name.filter { $0.isLetter })-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Harness.run(["chmod", "0755", dir])
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// The tiny image converted by `owner` into a file of theirs, in their own directory.
    func image(_ name: String, owner: String, compression: String = "zstd") throws -> String {
        let path = try own(owner) + "/" + name
        let r = try run(owner, [Harness.vessel, "build", "-q", "--compression", compression, path, "oci:" + Harness.require("oci/tiny")])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path
    }

    /// A batch job of `user`'s whose /results go to `root` (its script writes `tag` to
    /// /results/data.txt, then runs `more`); its id and output file, once the epilog has had its say.
    func resultsJob(_ user: String, root: String, tag: String, image img: String, more: String = "") throws -> (id: String, output: String) {
        let script = try own(user) + "/job-\(tag).sh"
        try "#!/bin/sh\necho \(tag) > /results/data.txt\n\(more)\n".write(toFile: script, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", script])
        let out = try own(user) + "/job-\(tag).out"
        let r = try slurm(user, ["sbatch", "--parsable", "--wait", "-p", "cpu", "-o", out, "--container-image=\(img)",
                                 "--container-results=\(root)", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The epilog runs after the job ends: wait for the results or its word in the output.
        try Self.waitFor("job \(id)'s epilog") {
            FileManager.default.fileExists(atPath: "\(root)/\(user)/\(id)/MANIFEST")
                || ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("were not copied")
        }
        return (id, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    /// Polls `condition` until it holds; fails the test (and stops it) when it does not in time.
    static func waitFor(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        XCTFail("\(what): not within \(seconds) s")
        throw XCTSkip("cannot go on")
    }

    func uid(_ user: String) -> uid_t { getpwnam(user)!.pointee.pw_uid }
    func home(_ user: String) -> String { String(cString: getpwnam(user)!.pointee.pw_dir) }

    /// `user`'s own directory inside `dir` (0755), made on first use.
    func own(_ user: String) throws -> String {
        let path = dir + "/" + user
        if !FileManager.default.fileExists(atPath: path) { _ = try directory(user, owner: user) }
        return path
    }

    /// A directory of `owner`'s (mode given) inside `dir`.
    func directory(_ name: String, owner: String, group: String? = nil, mode: String = "0755") throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Harness.run(["chown", owner + (group.map { ":" + $0 } ?? ""), path])
        try Harness.run(["chmod", mode, path])
        return path
    }

    /// `args` as `user`, with that user's groups, home and umask, from `dir`.
    @discardableResult
    func run(_ user: String, _ args: [String], env: [String: String] = [:], umask: String = "022") throws -> Harness.Result {
        let pw = getpwnam(user)!.pointee
        var e = ["HOME": String(cString: pw.pw_dir), "USER": user, "LOGNAME": user, "XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": ""]
        for (k, v) in env { e[k] = v }
        return try Harness.run(["setpriv", "--reuid=\(pw.pw_uid)", "--regid=\(pw.pw_gid)", "--init-groups",
                                "env", "-C", dir] + e.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }
                               + ["sh", "-c", "umask \(umask); exec \"$@\"", "sh"] + args)
    }

    /// Slurm commands as `user` (runuser, as the Slurm tests do), bounded in time.
    func slurm(_ user: String, _ args: [String]) throws -> Harness.Result {
        try Harness.run(["runuser", "-u", user, "--", "timeout", "300", "env", "-C", dir, "PWD=\(dir)"] + args)
    }

    /// A process as `user`, started and left running.
    func start(_ user: String, _ args: [String]) throws -> Process {
        let pw = getpwnam(user)!.pointee
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=\(pw.pw_uid)", "--regid=\(pw.pw_gid)", "--init-groups", "env", "-C", dir, "PWD=\(dir)", "HOME=\(String(cString: pw.pw_dir))"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}

/// The site's /etc/vessel (vessel.conf and trusted/), replaced for one test and put back after.
struct SitePolicy {
    private let saved: String
    static let root = "/etc/vessel"

    /// Installs `conf` and the public keys `trusted` (files) as the site's.
    init(conf: String, trusted: [String] = []) throws {
        saved = "/tmp/vessel-site-saved-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if FileManager.default.fileExists(atPath: Self.root) {
            try FileManager.default.moveItem(atPath: Self.root, toPath: saved)
        }
        try FileManager.default.createDirectory(atPath: Self.root + "/trusted", withIntermediateDirectories: true)
        try conf.write(toFile: Self.root + "/vessel.conf", atomically: true, encoding: .utf8)
        for key in trusted {
            try FileManager.default.copyItem(atPath: key, toPath: Self.root + "/trusted/" + URL(fileURLWithPath: key).lastPathComponent)
        }
        try Harness.run(["chmod", "-R", "a+rX", Self.root])
    }

    func restore() {
        try? FileManager.default.removeItem(atPath: Self.root)
        if FileManager.default.fileExists(atPath: saved) { try? FileManager.default.moveItem(atPath: saved, toPath: Self.root) }
    }
}

/// The test cluster's plugstack.conf line with arguments added for one test (slurmstepd and
/// srun read it at each step), put back after.
struct PluginArguments {
    private let conf: String
    private let original: String

    init(_ arguments: String) throws {
        _ = try SlurmJobUser.requireCluster()
        conf = Harness.env["SLURM_TEST_PLUGSTACK_DIR"]! + "/vessel.conf"
        original = try String(contentsOfFile: conf, encoding: .utf8)
        try (original.trimmingCharacters(in: .newlines) + " " + arguments + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
    }

    func restore() { try? original.write(toFile: conf, atomically: true, encoding: .utf8) }
}
