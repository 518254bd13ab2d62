import Foundation
import XCTest

/// What one user of a cluster must not be able to do to another through Vessel, each tried for
/// real by an attacker and a victim of one group (TwoUsers), through the real Slurm test
/// cluster where the plugin is involved: the attack fails, and the legitimate use still works.
/// SECURITY.md states the threat model these hold.
final class MultiUserSafetyTests: XCTestCase {
    private var users: TwoUsers!
    private var attacker: String { users.attacker }
    private var victim: String { users.victim }

    override func setUpWithError() throws { users = try TwoUsers(name) }
    override func tearDownWithError() throws { users?.remove() }

    private var tinyLayout: String { get throws { try Harness.require("oci/tiny") } }

    private func image(_ name: String, owner: String, compression: String = "zstd") throws -> String {
        try users.image(name, owner: owner, compression: compression)
    }

    private func waitFor(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
        try TwoUsers.waitFor(what, seconds: seconds, condition)
    }

    /// Whether /.vessel/provenance.json says the image was compressed with gzip (the
    /// attacker's images are; the victim's zstd).
    static func builtWithGzip(_ provenance: String) -> Bool {
        provenance.replacingOccurrences(of: " ", with: "").contains("\"compression\":\"gzip\"")
    }

    // MARK: 1. Root never signals a pid it may not own

    /// The job's user kills the step's helper; slurmstepd reaps it; the victim's process gets its
    /// pid. At the end of the step, root's side of the plugin must not signal that pid.
    func testTheStepsEndNeverSignalsARecycledPid() throws {
        _ = try SlurmJobUser.requireCluster()
        let img = try image("tiny.sqsh", owner: attacker)
        let fifo = users.dir + "/go"
        XCTAssertEqual(mkfifo(fifo, 0o666), 0)
        chmod(fifo, 0o666)
        // The step waits on the FIFO with the shell's own `read`: once its helper is gone, the
        // image's programs can no longer be started.
        let step = try users.start(attacker, ["srun", "-p", "cpu", "--container-image=\(img)", "--container-mounts=\(users.dir):\(users.dir)",
                                              "sh", "-c", "read line < \(fifo); echo done"])
        defer { if step.isRunning { step.terminate() } }
        var helper: Int32 = 0
        // The task itself (not srun, whose command line holds the same words), and its helper.
        try waitFor("the step's task, waiting, and its helper") {
            guard try Harness.run(["pgrep", "-u", attacker, "-f", "^(/bin/)?sh -c read line"]).status == 0 else { return false }
            helper = Int32(try Harness.run(["pgrep", "-o", "-u", attacker, "-f", "spank-helper"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            return helper > 0
        }
        // The attack: the job's user ends the helper, which is theirs; slurmstepd reaps it.
        XCTAssertEqual(try users.run(attacker, ["kill", "-9", "\(helper)"]).status, 0)
        try waitFor("the helper reaped") { !FileManager.default.fileExists(atPath: "/proc/\(helper)") }
        // The victim's process takes that pid (ns_last_pid makes the next fork get it).
        var victimProcess: Process?
        for _ in 0..<50 where victimProcess == nil {
            try "\(helper - 1)".write(toFile: "/proc/sys/kernel/ns_last_pid", atomically: false, encoding: .utf8)
            let p = try users.start(victim, ["sleep", "120"])
            if p.processIdentifier == helper { victimProcess = p } else { p.terminate(); p.waitUntilExit() }
        }
        let sleeper = try XCTUnwrap(victimProcess, "could not place the victim's process at pid \(helper)")
        defer { if sleeper.isRunning { sleeper.terminate() } }
        // The step ends: root's side of the plugin stops what it started.
        let writer = open(fifo, O_WRONLY)
        XCTAssertGreaterThanOrEqual(writer, 0)
        _ = write(writer, "go\n", 3)
        close(writer)
        step.waitUntilExit()
        usleep(500_000)
        XCTAssertTrue(sleeper.isRunning, "the victim's process at the helper's old pid was signalled (status \(sleeper.isRunning ? 0 : sleeper.terminationStatus))")
        // The legitimate use: a step starts, runs and ends as before.
        let ok = try users.slurm(attacker, ["srun", "-p", "cpu", "--container-image=\(img)", "sh", "-c", "head -1 /etc/os-release"])
        XCTAssertEqual(ok.stdout, "NAME=\"corpus-tiny\"\n", ok.stderr)
    }

    // MARK: 2. A shared cache cannot be poisoned

    /// `user`'s `vessel resolve` of the tiny layout with `cache` as VESSEL_CACHE: the path it
    /// prints, and what it said.
    private func resolve(_ user: String, cache: String, _ extra: [String] = []) throws -> (path: String, stderr: String) {
        let r = try users.run(user, [Harness.vessel, "resolve", "-q"] + extra + ["oci:" + tinyLayout], env: ["VESSEL_CACHE": cache], umask: "002")
        XCTAssertEqual(r.status, 0, "\(user): \(r.stderr)")
        return (r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), r.stderr)
    }

    /// Plants, as the attacker, `evil` with a record that matches it as `KEY` in `directory`
    /// (made world-writable, as a squatter would).
    private func plant(_ evil: String, key: String, in directory: String) throws {
        let script = """
            set -e
            mkdir -p -m 0777 \(directory) && chmod 0777 \(directory)
            cp \(evil) \(directory)/\(key).sqsh
            sha=$(sha256sum \(evil) | cut -d' ' -f1); size=$(stat -c %s \(evil))
            printf '{"source":"x","pinned":"x","manifestDigest":"x","platform":"-","compression":"x","created":"2026-01-01T00:00:00Z","sha256":"sha256:%s","bytes":%s}\\n' "$sha" "$size" > \(directory)/\(key).json
            chmod 0444 \(directory)/\(key).sqsh \(directory)/\(key).json
            """
        let r = try users.run(attacker, ["sh", "-c", script], umask: "000")
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// A group's cache (root:GROUP 3775): each user's conversions are in a directory only they
    /// can write (CACHE/uUID). The attacker squats the victim's directory before the victim's
    /// first use, with their own image under the victim's key and a record that matches it, and
    /// makes the shared directories first, closed to others: the victim's resolve runs none of
    /// it (its entries go to the victim's own cache, said in one line) and is not locked out.
    /// After the victim's first use, the attacker can neither write in nor move the victim's
    /// directory. Entries root made (CACHE/u0) are used by everyone; a u0 the attacker made is not.
    func testASharedGroupCacheCannotBePoisoned() throws {
        let cache = try users.directory("cache", owner: "root", group: users.group, mode: "3775")
        let evil = try image("evil.sqsh", owner: attacker, compression: "gzip")
        let theirs = try resolve(attacker, cache: cache)
        let key = URL(fileURLWithPath: theirs.path).deletingPathExtension().lastPathComponent
        XCTAssertEqual(theirs.path, "\(cache)/u\(users.uid(attacker))/images/\(key).sqsh")
        let vuid = users.uid(victim)
        try plant(evil, key: key, in: "\(cache)/u\(vuid)/images")
        try plant(evil, key: key, in: "\(cache)/u0/images")
        XCTAssertEqual(try users.run(attacker, ["sh", "-c", "mkdir -p -m 0755 \(cache)/images \(cache)/locks \(cache)/blobs/sha256 && chmod 0755 \(cache)/blobs \(cache)/blobs/sha256"]).status, 0)

        let squatted = try resolve(victim, cache: cache)
        XCTAssertEqual(squatted.path, users.home(victim) + "/.cache/vessel/images/\(key).sqsh", squatted.stderr)
        XCTAssertTrue(squatted.stderr.contains("\(cache)/u\(vuid) is owned by \(attacker)"), squatted.stderr)
        XCTAssertTrue(squatted.stderr.contains("yours go to \(users.home(victim))/.cache/vessel"), squatted.stderr)
        let run = try users.run(victim, [Harness.vessel, "exec", squatted.path, "cat", "/.vessel/provenance.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(Self.builtWithGzip(run.stdout), "the attacker's image ran")
        defer { _ = try? users.run(victim, ["rm", "-rf", users.home(victim) + "/.cache/vessel"]) }

        // The squat gone (an admin's job), the victim's entries are their own, and the same
        // bytes as the attacker's honest conversion (conversions are reproducible).
        try FileManager.default.removeItem(atPath: "\(cache)/u\(vuid)")
        let mine = try resolve(victim, cache: cache)
        XCTAssertEqual(mine.path, "\(cache)/u\(vuid)/images/\(key).sqsh", mine.stderr)
        XCTAssertEqual(try Harness.sha256(mine.path), try Harness.sha256(theirs.path))
        for attack in ["cat \(evil) > \(mine.path)", "ls \(cache)/u\(vuid)", "mv \(cache)/u\(vuid) \(cache)/moved",
                       "rm -rf \(cache)/u\(vuid)", "touch \(cache)/u\(vuid)/images/x"] {
            XCTAssertNotEqual(try users.run(attacker, ["sh", "-c", attack], umask: "002").status, 0, "the attacker could: \(attack)")
        }
        XCTAssertEqual(try resolve(victim, cache: cache).path, mine.path)

        // Root's entries serve everyone; the attacker's u0 did not, and root does not use it either.
        try FileManager.default.removeItem(atPath: "\(cache)/u0")
        let byRoot = try Harness.run([Harness.vessel, "resolve", "-q", "--compression", "lz4", "oci:" + tinyLayout], environment: ["VESSEL_CACHE": cache])
        XCTAssertEqual(byRoot.status, 0, byRoot.stderr)
        let sitePath = byRoot.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(sitePath.hasPrefix("\(cache)/u0/images/"), sitePath)
        XCTAssertEqual(try resolve(victim, cache: cache, ["--compression", "lz4"]).path, sitePath, "root's conversion is used as it is")
    }

    /// A shared cache that is not sticky (root:GROUP 2775): anyone in the group could rename a
    /// user's directory after the check, so no one's entries go there; each user's own cache
    /// takes them, said in one line.
    func testANonStickySharedCacheIsNotUsedForEntries() throws {
        let cache = try users.directory("cache", owner: "root", group: users.group, mode: "2775")
        let r = try resolve(victim, cache: cache)
        defer { _ = try? users.run(victim, ["rm", "-rf", users.home(victim) + "/.cache/vessel"]) }
        XCTAssertTrue(r.path.hasPrefix(users.home(victim) + "/.cache/vessel/images/"), r.path)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(cache) is writable by others but not sticky"), r.stderr)
    }

    /// Blobs are named by their digest, so an attacker can plant one before the victim pulls: a
    /// planted blob is never used (the digest is checked), and the victim's pull still works.
    func testAPlantedBlobIsNeitherUsedNorInTheWay() throws {
        guard let registry = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry: run scripts/test") }
        let cache = try users.directory("cache", owner: "root", group: users.group, mode: "3775")
        // The attacker makes the cache's directories, then a wrong file under every blob the image has.
        XCTAssertEqual(try users.run(attacker, [Harness.vessel, "cache", "list"], env: ["VESSEL_CACHE": cache], umask: "002").status, 0)
        let layout = try tinyLayout
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as! [String: Any]
        let manifestDigest = ((index["manifests"] as! [[String: Any]])[0]["digest"] as! String).dropFirst(7)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + manifestDigest))) as! [String: Any]
        let blobs = ([manifest["config"] as! [String: Any]] + (manifest["layers"] as! [[String: Any]])).map { ($0["digest"] as! String, $0["size"] as! Int) }
        for (digest, size) in blobs {
            let planted = cache + "/blobs/sha256/" + digest.dropFirst(7)
            XCTAssertEqual(try users.run(attacker, ["sh", "-c", "head -c \(size) /dev/zero > \(planted) && chmod 0644 \(planted)"], umask: "002").status, 0)
        }
        // And, having made the shared blobs' directory first, closes it to others.
        XCTAssertEqual(try users.run(attacker, ["chmod", "0755", cache + "/blobs", cache + "/blobs/sha256"]).status, 0)
        let out = try users.own(victim) + "/pulled.sqsh"
        let pull = try users.run(victim, [Harness.vessel, "pull", "-q", "docker://\(registry)/corpus/tiny:latest", out], env: ["VESSEL_CACHE": cache], umask: "002")
        XCTAssertEqual(pull.status, 0, pull.stderr)
        let honest = try users.own(victim) + "/layout.sqsh"
        XCTAssertEqual(try users.run(victim, [Harness.vessel, "build", "-q", honest, "oci:" + layout]).status, 0)
        XCTAssertEqual(try Harness.sha256(out), try Harness.sha256(honest), "the pull used a planted blob")
    }

    /// An image file pulled as an artifact (oras://) is cached under a key anyone can compute
    /// from its manifest: the attacker plants an entry there first, their own image with a record
    /// that matches it. The victim's pull, exec and the plugin's resolve must hand out the pushed
    /// bytes (the entry must have the layer's digest, not just its record's), and the
    /// attacker, pulling honestly, gets them too.
    func testAPlantedArtifactEntryIsNotUsed() throws {
        guard let registry = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry: run scripts/test") }
        let cache = try users.directory("cache", owner: "root", group: users.group, mode: "3775")
        let env = ["VESSEL_CACHE": cache]
        let pushed = try image("pushed.sqsh", owner: victim)
        let target = "oras://\(registry)/safety/t\(UInt32.random(in: 0...UInt32.max)):v1"
        let push = try users.run(victim, [Harness.vessel, "push", "-q", pushed, target])
        XCTAssertEqual(push.status, 0, push.stderr)

        // The attacker reads the manifest, computes the key, and plants an entry that is consistent in itself.
        let evil = try image("evil.sqsh", owner: attacker, compression: "gzip")
        XCTAssertEqual(try users.run(attacker, [Harness.vessel, "cache", "list"], env: env, umask: "002").status, 0)
        let repo = target.dropFirst("oras://\(registry)/".count).split(separator: ":")[0]
        let plant = """
        set -e
        m=$(curl -sf -D - -o manifest.json -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://\(registry)/v2/\(repo)/manifests/v1 | sed -n 's/^Docker-Content-Digest: *//Ip' | tr -d '\\r')
        l=$(python3 -c 'import json; print(json.load(open("manifest.json"))["layers"][0]["digest"])')
        key=a$(printf 'artifact %s %s' "$m" "$l" | sha256sum | cut -c1-31)
        d=\(cache)/u\(users.uid(victim))/images; mkdir -p -m 0777 $d
        cp \(evil) $d/$key.sqsh
        sha=$(sha256sum \(evil) | cut -d' ' -f1); size=$(stat -c %s \(evil))
        printf '{"source":"x","pinned":"x","manifestDigest":"%s","platform":"-","compression":"as pushed","created":"2026-01-01T00:00:00Z","sha256":"sha256:%s","bytes":%s}\\n' "$m" "$sha" "$size" > $d/$key.json
        chmod 0444 $d/$key.sqsh $d/$key.json
        echo $d/$key.sqsh
        """
        let planted = try users.run(attacker, ["sh", "-c", "cd \(try users.own(attacker)) && " + plant], umask: "002")
        XCTAssertEqual(planted.status, 0, planted.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: planted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), planted.stdout)

        let out = try users.own(victim) + "/pulled.sqsh"
        let pull = try users.run(victim, [Harness.vessel, "pull", "-q", target, out], env: env, umask: "002")
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(try Harness.sha256(out), try Harness.sha256(pushed), "the victim's pull handed out the planted file")
        let run = try users.run(victim, [Harness.vessel, "exec", target, "cat", "/.vessel/provenance.json"], env: env, umask: "002")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(Self.builtWithGzip(run.stdout), "the attacker's image ran")
        let resolved = try users.run(victim, [Harness.vessel, "resolve", "-q", target], env: env, umask: "002")
        XCTAssertEqual(try Harness.sha256(resolved.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), try Harness.sha256(pushed))
        // The legitimate use: the attacker, pulling in turn, gets the pushed bytes too.
        let theirs = try users.own(attacker) + "/pulled.sqsh"
        let again = try users.run(attacker, [Harness.vessel, "pull", "-q", target, theirs], env: env, umask: "002")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Harness.sha256(theirs), try Harness.sha256(pushed))
    }

    /// The plugin's cache= is a 1777 directory: the first user's subdirectories must not lock
    /// the others out.
    func testAWorldWritableCacheServesEveryUser() throws {
        let cache = try users.directory("cache", owner: "root", mode: "1777")
        for user in [victim, attacker] {
            let r = try users.run(user, [Harness.vessel, "resolve", "-q", "oci:" + tinyLayout], env: ["VESSEL_CACHE": cache])
            XCTAssertEqual(r.status, 0, "\(user): \(r.stderr)")
        }
        var st = stat()
        XCTAssertEqual(stat(cache + "/blobs/sha256", &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o1777, "blobs/sha256 is as writable as the cache, and sticky")
        for user in [victim, attacker] {
            XCTAssertEqual(lstat(cache + "/u\(users.uid(user))", &st), 0)
            XCTAssertEqual(st.st_uid, users.uid(user))
            XCTAssertEqual(st.st_mode & 0o7777, 0o700, "\(user)'s entries are theirs alone")
        }
    }

    // MARK: 3. What is checked is what is mounted

    func testTheImageCheckedIsTheImageRun() throws {
        let keyHome = try users.directory("keys", owner: "root", mode: "0700")
        let signedName = try image("image.sqsh", owner: attacker)
        let unsigned = try image("other.sqsh", owner: attacker, compression: "gzip")
        XCTAssertEqual(try Harness.run([Harness.vessel, "key", "new", "--name", "site"], environment: ["HOME": keyHome]).status, 0)
        let sign = try Harness.run([Harness.vessel, "sign", signedName], environment: ["HOME": keyHome])
        XCTAssertEqual(sign.status, 0, sign.stderr)
        let site = try SitePolicy(conf: "require-signature = yes\n", trusted: [keyHome + "/.config/vessel/keys/site.pub"])
        defer { site.restore() }

        // The attacker swaps the two files' names (in a directory of theirs) as fast as they can.
        let swapper = try users.start(attacker, ["python3", "-c", """
            import ctypes, os, time
            libc = ctypes.CDLL(None, use_errno=True)
            os.chdir(\"\(try users.own(attacker))\")
            end = time.time() + 120
            while time.time() < end:
                libc.renameat2(-100, b"image.sqsh", -100, b"other.sqsh", 2)
            """])
        defer { swapper.terminate(); swapper.waitUntilExit() }
        var ranSigned = 0, refused = 0, ranUnsigned = 0
        for _ in 0..<60 {
            let r = try users.run(victim, [Harness.vessel, "exec", signedName, "cat", "/.vessel/provenance.json"])
            if r.status == 0 {
                if Self.builtWithGzip(r.stdout) { ranUnsigned += 1 } else { ranSigned += 1 }
            } else {
                refused += 1
            }
        }
        XCTAssertEqual(ranUnsigned, 0, "the unsigned image ran under require-signature")
        XCTAssertGreaterThan(ranSigned, 0, "the signed image never ran")
        XCTAssertGreaterThan(refused, 0, "the swap never showed: the test proves nothing")
        _ = unsigned
    }

    // MARK: 4. The site's policy holds whatever a user sets

    func testAUserCannotSwitchTheSitePolicyOff() throws {
        let keyHome = try users.directory("keys", owner: "root", mode: "0700")
        let signed = try image("signed.sqsh", owner: victim)
        let unsigned = try image("unsigned.sqsh", owner: attacker)
        XCTAssertEqual(try Harness.run([Harness.vessel, "key", "new", "--name", "site"], environment: ["HOME": keyHome]).status, 0)
        XCTAssertEqual(try Harness.run([Harness.vessel, "sign", signed], environment: ["HOME": keyHome]).status, 0)
        let site = try SitePolicy(conf: "require-signature = yes\n", trusted: [keyHome + "/.config/vessel/keys/site.pub"])
        defer { site.restore() }
        let mine = try users.directory("attacker-config", owner: attacker)
        try users.run(attacker, ["sh", "-c", "mkdir -p \(mine)/vessel ~/.config/vessel && echo 'require-signature = no' | tee \(mine)/vessel/vessel.conf > ~/.config/vessel/vessel.conf"])
        defer { _ = try? users.run(attacker, ["rm", "-rf", users.home(attacker) + "/.config/vessel"]) }
        let attempts: [(String, [String: String])] = [
            ("VESSEL_CONFIG=/dev/null", ["VESSEL_CONFIG": "/dev/null"]),
            ("~/.config/vessel/vessel.conf", [:]),
            ("XDG_CONFIG_HOME", ["XDG_CONFIG_HOME": mine]),
        ]
        for (how, env) in attempts {
            let r = try users.run(attacker, [Harness.vessel, "exec", unsigned, "true"], env: env)
            XCTAssertNotEqual(r.status, 0, "\(how) switched the site's require-signature off")
            XCTAssertTrue(r.stderr.contains("not signed, and this site requires a signature"), "\(how): \(r.stderr)")
        }
        // The user's own key does not count where the site trusts only its own.
        XCTAssertEqual(try users.run(attacker, [Harness.vessel, "key", "new", "--name", "mine"]).status, 0)
        XCTAssertEqual(try users.run(attacker, [Harness.vessel, "sign", unsigned]).status, 0)
        let own = try users.run(attacker, [Harness.vessel, "exec", unsigned, "true"])
        XCTAssertNotEqual(own.status, 0, "a key of the user's own was trusted")
        XCTAssertTrue(own.stderr.contains("none of them a trusted key"), own.stderr)
        XCTAssertTrue(own.stderr.contains("this site trusts only its own keys"), own.stderr)
        // Through the plugin too.
        if (try? SlurmJobUser.requireCluster()) != nil {
            let job = try users.slurm(attacker, ["env", "VESSEL_CONFIG=/dev/null", "srun", "-p", "cpu", "--container-image=\(unsigned)", "true"])
            XCTAssertNotEqual(job.status, 0, "the plugin ran an unsigned image")
            XCTAssertTrue(job.stderr.contains("this site requires a signature") || job.stderr.contains("none of them a trusted key"), job.stderr)
        }
        // The legitimate use: the image the site's key signed runs, for anyone.
        let ok = try users.run(victim, [Harness.vessel, "exec", signed, "echo", "ran"])
        XCTAssertEqual(ok.stdout, "ran\n", ok.stderr)
        let alsoOK = try users.run(attacker, [Harness.vessel, "exec", signed, "echo", "ran"], env: ["VESSEL_CONFIG": "/dev/null"])
        XCTAssertEqual(alsoOK.stdout, "ran\n", alsoOK.stderr)
    }

    // MARK: 5, 7, 8. Results: the user's directory, the node's scratch, the user's groups

    private func resultsJob(root: String, tag: String, image img: String) throws -> (id: String, output: String) {
        try users.resultsJob(victim, root: root, tag: tag, image: img)
    }

    /// The attacker makes RESULTS_ROOT/victim first, world-writable: the victim's results must
    /// not land there. The group's results root (root:grp 2770) needs the victim's groups.
    func testAResultsRootCannotBeSquatted() throws {
        _ = try SlurmJobUser.requireCluster()
        let img = try image("tiny.sqsh", owner: victim)
        let root = try users.directory("results", owner: "root", group: users.group, mode: "2770")
        let squat = root + "/" + victim
        XCTAssertEqual(try users.run(attacker, ["mkdir", "-m", "0777", squat]).status, 0)
        _ = try users.run(attacker, ["chmod", "0777", squat])
        let (id, out) = try resultsJob(root: root, tag: "first", image: img)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(squat)/\(id)"), "results landed in the attacker's directory")
        XCTAssertTrue(out.contains("\(squat) is owned by \(attacker), not by you; refused"), out)
        let scratch = "/tmp/vessel-results/\(users.uid(victim))"
        XCTAssertTrue(((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).contains { $0.hasPrefix(id + ".") },
                      "the node-local copy is kept")
        // The legitimate use: with the squatter's directory gone (an admin's job), the next
        // job's results arrive, in a directory of the victim's own, through the group's root.
        try FileManager.default.removeItem(atPath: squat)
        let (next, nextOut) = try resultsJob(root: root, tag: "second", image: img)
        XCTAssertEqual(try String(contentsOfFile: "\(squat)/\(next)/data.txt", encoding: .utf8), "second\n", nextOut)
        var st = stat()
        XCTAssertEqual(lstat(squat, &st), 0)
        XCTAssertEqual(st.st_uid, users.uid(victim))
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        try? FileManager.default.removeItem(atPath: scratch + "/\(id).cpu-1")
    }

    /// The attacker makes the node's scratch directories first, world-writable (and the old
    /// /tmp/vessel-UID): the victim's --container-results job still runs and collects.
    func testTheNodesScratchCannotBeSquatted() throws {
        _ = try SlurmJobUser.requireCluster()
        let img = try image("tiny.sqsh", owner: victim)
        let root = try users.directory("results", owner: victim, mode: "0755")
        let top = "/tmp/vessel-results"
        // What an earlier run or an earlier attack left: gone before the attack.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix("vessel-results") {
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
        }
        let vuid = users.uid(victim)
        XCTAssertEqual(try users.run(attacker, ["sh", "-c", "mkdir -m 0777 \(top) /tmp/vessel-\(vuid) && mkdir -m 0777 \(top)/\(vuid) && chmod 0777 \(top) \(top)/\(vuid) /tmp/vessel-\(vuid)"]).status, 0)
        defer {
            try? FileManager.default.removeItem(atPath: "/tmp/vessel-\(vuid)")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix("vessel-results.not-root") {
                try? FileManager.default.removeItem(atPath: "/tmp/" + name)
            }
        }
        let (id, out) = try resultsJob(root: root, tag: "scratch", image: img)
        XCTAssertEqual(try? String(contentsOfFile: "\(root)/\(victim)/\(id)/data.txt", encoding: .utf8), "scratch\n", out)
        var st = stat()
        XCTAssertEqual(lstat(top, &st), 0)
        XCTAssertEqual(st.st_uid, 0, "the scratch directory is root's")
        XCTAssertEqual(st.st_mode & 0o777, 0o755)
        XCTAssertEqual(lstat(top + "/\(vuid)", &st), 0)
        XCTAssertEqual(st.st_uid, vuid)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
    }

    // MARK: 7. A shared container (srun's tasks, --join) is its user's alone

    /// The attacker makes the victim's rendezvous directory first (a link to theirs, holding an
    /// announcement of the attacker's own container): the victim's `--join` does not join it,
    /// and says why in one line; with the squat gone it works. And the attacker, giving the key
    /// the victim's running container has, gets a container of their own.
    func testASharedContainerCannotBeJoinedAcrossUsers() throws {
        let img = try image("tiny.sqsh", owner: victim)
        try Harness.run(["chmod", "o+rx", users.dir + "/" + victim])
        try Harness.run(["chmod", "o+r", img])
        let vuid = users.uid(victim), staging = "/tmp/.vessel-\(vuid)"
        let show = "readlink /proc/self/ns/user"
        // The attacker's container, running, and its announcement planted where the victim looks.
        let theirs = try users.start(attacker, [Harness.vessel, "exec", "--join", "k", img, "sleep", "20"])
        defer { if theirs.isRunning { theirs.terminate() } }
        let attackerStaging = "/tmp/.vessel-\(users.uid(attacker))"
        try waitFor("the attacker's shared container") {
            ((try? FileManager.default.contentsOfDirectory(atPath: attackerStaging + "/shared")) ?? []).contains { $0.hasSuffix(".announce") }
        }
        let savedStaging = FileManager.default.fileExists(atPath: staging) ? staging + ".saved-\(getpid())" : nil
        if let savedStaging { XCTAssertEqual(rename(staging, savedStaging), 0) }
        defer {
            // The victim's joins made a staging directory of their own where the squat was:
            // it goes, so that the one the test moved aside can come back.
            if let savedStaging {
                try? FileManager.default.removeItem(atPath: staging)
                rename(savedStaging, staging)
            } else {
                unlink(staging)
            }
        }
        try Harness.run(["chmod", "-R", "a+rwX", attackerStaging])
        XCTAssertEqual(try users.run(attacker, ["ln", "-s", attackerStaging, staging]).status, 0)
        let squatted = try users.run(victim, [Harness.vessel, "exec", "--join", "k", img, "sh", "-c", show])
        XCTAssertEqual(squatted.status, 125, squatted.stdout)
        XCTAssertEqual(squatted.stderrLines.count, 1, squatted.stderr)
        XCTAssertTrue(squatted.stderr.contains("\(staging): exists but is not a directory owned by you"), squatted.stderr)
        // The squat gone, the victim's join works, in a container of the victim's.
        unlink(staging)
        let mine = try users.run(victim, [Harness.vessel, "exec", "--join", "k", img, "sh", "-c", show])
        XCTAssertEqual(mine.status, 0, mine.stderr)
        let attackers = try users.run(attacker, [Harness.vessel, "exec", "--join", "k", img, "sh", "-c", show])
        XCTAssertEqual(attackers.status, 0, attackers.stderr)
        XCTAssertNotEqual(mine.stdout, attackers.stdout, "the victim joined the attacker's container")
        XCTAssertTrue(mine.stdout.hasPrefix("user:["), mine.stdout)
    }

    // MARK: 6. A layer cannot exhaust the converter

    /// One entry 20,000 directories deep (a 51 KB layer once took 1.7 GB and crashed the
    /// converter): refused in one line, quickly; a deep but sane tree still converts.
    func testDeepNestingIsRefusedInOneLine() throws {
        let layouts = try users.directory("layouts", owner: attacker)
        let made = try users.run(attacker, ["python3", "-c", Self.deepLayout, layouts])
        XCTAssertEqual(made.status, 0, made.stderr)
        let started = Date()
        let out = try users.own(victim)
        let r = try users.run(victim, [Harness.vessel, "build", "-q", out + "/deep.sqsh", "oci:" + layouts + "/deep"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("a path of 40004 bytes; Vessel takes at most 4096 (Linux's PATH_MAX)"), r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/deep.sqsh"), "nothing half-written")
        let tooDeep = try users.run(victim, [Harness.vessel, "build", "-q", out + "/too-deep.sqsh", "oci:" + layouts + "/too-deep"])
        XCTAssertEqual(tooDeep.status, 1, tooDeep.stderr)
        XCTAssertEqual(tooDeep.stderrLines.count, 1, tooDeep.stderr)
        XCTAssertTrue(tooDeep.stderr.contains("1101 directories deep; Vessel takes at most 1024"), tooDeep.stderr)
        let sane = try users.run(victim, [Harness.vessel, "build", "-q", out + "/sane.sqsh", "oci:" + layouts + "/sane"])
        XCTAssertEqual(sane.status, 0, sane.stderr)
        let listed = try Harness.run(["unsquashfs", "-l", out + "/sane.sqsh"])
        XCTAssertTrue(listed.stdout.contains(String(repeating: "/d", count: 1000) + "/leaf"), "the 1000-deep file is there")
    }

    // MARK: 9. A named container (--container-name) is its user's alone

    /// The site keeps named containers under a directory anyone may write to (containers=, a
    /// sticky 1777 one): the attacker makes the tree first, with a container of the victim's
    /// name over the attacker's image and a planted file. The victim's step runs neither; the
    /// squat is moved aside. While the victim's container runs, the attacker can neither read
    /// its directory nor join it by giving its name: theirs is a container of their own.
    func testANamedContainerIsItsUsersAlone() throws {
        _ = try SlurmJobUser.requireCluster()
        let top = try users.directory("named", owner: "root", mode: "1777")
        let plugin = try PluginArguments("containers=\(top) container-scope=global")
        defer { plugin.restore() }
        let mine = try image("tiny.sqsh", owner: victim)
        let evil = try image("evil.sqsh", owner: attacker, compression: "gzip")
        let vuid = users.uid(victim)
        let tree = "\(top)/vessel-containers", squat = "\(tree)/\(vuid)/work"
        let plant = "mkdir -p \(squat)/upper/etc && printf '%s\\n1118208\\n' \(evil) > \(squat)/image && echo planted > \(squat)/upper/etc/planted && chmod -R a+rwX \(tree)"
        XCTAssertEqual(try users.run(attacker, ["sh", "-c", plant]).status, 0)
        let run = try users.slurm(victim, ["srun", "-p", "cpu", "--container-name=work", "--container-image=\(mine)", "sh", "-c",
                                           "cat /etc/planted 2>/dev/null || echo clean; cat /.vessel/provenance.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("clean\n"), run.stdout)
        XCTAssertFalse(Self.builtWithGzip(run.stdout), "the attacker's image ran")
        var st = stat()
        XCTAssertEqual(lstat(tree, &st), 0)
        XCTAssertEqual(st.st_uid, 0, "the containers' directory is root's")
        XCTAssertEqual(st.st_mode & 0o777, 0o755)
        XCTAssertEqual(lstat("\(tree)/\(vuid)", &st), 0)
        XCTAssertEqual(st.st_uid, vuid)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)

        // The victim's container, running with a secret in it.
        let running = try users.start(victim, ["srun", "-p", "cpu", "--container-name=work", "--container-remap-root", "sh", "-c", "echo secret > /secret; sleep 20"])
        defer { if running.isRunning { running.terminate() } }
        try waitFor("the victim's named container") {
            ((try? FileManager.default.attributesOfItem(atPath: "\(tree)/\(vuid)/work/running")[.size] as? Int) ?? 0) > 0
        }
        let look = try users.run(attacker, ["ls", "\(tree)/\(vuid)/work"])
        XCTAssertNotEqual(look.status, 0, "the attacker listed the victim's container: \(look.stdout)")
        let same = try users.slurm(attacker, ["srun", "-p", "cpu", "--container-name=work", "--container-image=\(evil)", "sh", "-c",
                                              "cat /secret 2>/dev/null || echo none"])
        XCTAssertEqual(same.stdout, "none\n", same.stderr)
        // The legitimate use: the victim's next step joins their running container.
        let joined = try users.slurm(victim, ["srun", "-p", "cpu", "--overlap", "--container-name=work", "cat", "/secret"])
        XCTAssertEqual(joined.stdout, "secret\n", joined.stderr)
    }

    /// Writes three one-layer OCI layouts: `deep` (a PAX path 20,000 directories deep),
    /// `too-deep` (1,100 deep, short enough) and `sane` (1,000 deep, within the limits).
    static let deepLayout = Harness.ociLayoutPython + """
        import io, sys, tarfile
        def layout(dir, path):
            raw = io.BytesIO()
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
                info = tarfile.TarInfo(path); info.size = 2; info.mtime = 0
                t.addfile(info, io.BytesIO(b"x\\n"))
            layer = raw.getvalue()
            write_layout(dir, layer, "sha256:" + hashlib.sha256(layer).hexdigest(), "application/vnd.oci.image.layer.v1.tar")
        layout(sys.argv[1] + "/deep", "d/" * 20000 + "leaf")
        layout(sys.argv[1] + "/too-deep", "d/" * 1100 + "leaf")
        layout(sys.argv[1] + "/sane", "d/" * 1000 + "leaf")
        """
}
