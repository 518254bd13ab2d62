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
