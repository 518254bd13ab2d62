import Foundation
import XCTest

/// `vessel pull` and `docker://` against the real registries Tests/Fixtures/registry starts
/// (docker-registry, plain, basic auth and TLS, and a token and fault proxy in front of it),
/// as the unprivileged test user, each test with a cache of its own.
final class RegistryTests: XCTestCase {
    private var dir = ""
    private var cache = ""

    override func setUpWithError() throws {
        guard Harness.env["VESSEL_REGISTRY_PLAIN"] != nil else {
            throw Harness.skip("no test registry: run scripts/test, which starts it (Tests/Fixtures/registry/start-registry.sh)")
        }
        dir = try Harness.scratch(name)
        cache = dir + "/cache"
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    private func registry(_ kind: String) -> String { Harness.env["VESSEL_REGISTRY_\(kind)"]! }
    private var creds: (String, String) {
        let c = Harness.env["VESSEL_REGISTRY_CREDS"]!.split(separator: ":")
        return (String(c[0]), String(c[1]))
    }

    @discardableResult
    private func pull(_ args: String..., env: [String: String] = [:]) throws -> Harness.Result {
        var e = env
        e["VESSEL_CACHE"] = cache
        return try Harness.run([Harness.vessel, "pull"] + args, asTestUser: true, environment: e)
    }

    private func layoutBuild(_ name: String) throws -> String {
        let out = dir + "/\(name)-layout.sqsh"
        let r = try Harness.vessel("build", "--quiet", out, "oci:" + (try Harness.require("oci/\(name)")) + ":latest")
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    private func manifestDigest(_ layout: String) throws -> String {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as! [String: Any]
        return (index["manifests"] as! [[String: Any]])[0]["digest"] as! String
    }

    private func logLines(_ instance: String) throws -> [String] {
        let path = Harness.env["VESSEL_REGISTRY_DIR"]! + "/\(instance)/registry.log"
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func cachedFiles(_ sub: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: cache + "/" + sub)) ?? []
    }

    // MARK: Pulling

    func testPullByTagGivesTheSameBytesAsTheLayoutBuild() throws {
        let reference = try layoutBuild("tiny")
        let out = dir + "/tiny.sqsh"
        let r = try pull("--json", "--digest-file", dir + "/digest", "docker://\(registry("PLAIN"))/corpus/tiny:latest", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Harness.sha256(out), try Harness.sha256(reference))
        let want = try manifestDigest(try Harness.require("oci/tiny"))
        XCTAssertEqual(try String(contentsOfFile: dir + "/digest", encoding: .utf8), want + "\n")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["cached"] as? Bool, false)
        XCTAssertEqual(report["source"] as? String, "\(registry("PLAIN"))/corpus/tiny:latest@\(want)")
        XCTAssertEqual((report["provenance"] as? [String: Any])?["manifestDigest"] as? String, want)

        // The same digest again comes from the cache, converted once.
        let again = try pull("--json", "\(registry("PLAIN"))/corpus/tiny", dir + "/again.sqsh")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any])["cached"] as? Bool, true)
        XCTAssertEqual(try Harness.sha256(dir + "/again.sqsh"), try Harness.sha256(reference))
        XCTAssertEqual(cachedFiles("images").filter { $0.hasSuffix(".sqsh") }.count, 1)
    }

    func testPullByDigestAndBuildFromDockerSource() throws {
        let reference = try layoutBuild("tiny")
        let digest = try manifestDigest(try Harness.require("oci/tiny"))
        let r = try pull("-q", "\(registry("PLAIN"))/corpus/tiny@\(digest)", dir + "/d.sqsh")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/d.sqsh"), try Harness.sha256(reference))
        let b = try Harness.vessel("build", "-q", dir + "/b.sqsh", "docker://\(registry("PLAIN"))/corpus/tiny:latest",
                                   environment: ["VESSEL_CACHE": cache])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/b.sqsh"), try Harness.sha256(reference))
        let wrong = try pull("-q", "\(registry("PLAIN"))/corpus/tiny@sha256:\(String(repeating: "0", count: 64))", dir + "/w.sqsh")
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("manifest unknown"), wrong.stderr)
    }

    func testImageIndexChoosesThePlatform() throws {
        let amd = try pull("-q", "--json", "--arch", "amd64", "\(registry("PLAIN"))/corpus/multiarch", dir + "/amd.sqsh")
        XCTAssertEqual(amd.status, 0, amd.stderr)
        let arm = try pull("-q", "--json", "--arch", "arm64", "\(registry("PLAIN"))/corpus/multiarch", dir + "/arm.sqsh")
        XCTAssertEqual(arm.status, 0, arm.stderr)
        func platform(_ r: Harness.Result) -> String? {
            ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any])
                .flatMap { ($0["provenance"] as? [String: Any])?["platform"] as? String }
        }
        XCTAssertEqual(platform(amd), "linux/amd64")
        XCTAssertEqual(platform(arm), "linux/arm64/v8")
        let none = try pull("-q", "--arch", "s390x", "\(registry("PLAIN"))/corpus/multiarch", dir + "/none.sqsh")
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "vessel pull: no image for platform linux/s390x (the index offers: linux/amd64, linux/arm64/v8); choose one with --arch\n")
    }

    func testMissingImagesAndBadReferences() throws {
        let cases: [(String, String)] = [
            ("\(registry("PLAIN"))/corpus/nosuch", "vessel pull: \(registry("PLAIN"))/corpus/nosuch:latest: no such image in the registry (manifest unknown)\n"),
            ("\(registry("PLAIN"))/corpus/tiny:v9", "vessel pull: \(registry("PLAIN"))/corpus/tiny:v9: no such image in the registry (manifest unknown)\n"),
            ("Bad/Name", "vessel pull: Bad/Name: not an image reference (\"Bad/Name\" is not a valid repository (lower-case letters, digits, . _ - and / only)); write [REGISTRY[:PORT]/]REPOSITORY[:TAG|@sha256:DIGEST]\n"),
        ]
        for (ref, message) in cases {
            let r = try pull("-q", ref, dir + "/x.sqsh")
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.sqsh"))
    }

    /// Enroot's and NGC's REGISTRY#IMAGE; and a server that answers with a web page where a
    /// manifest should be gets one line naming the URL, the status and the content type.
    func testRegistryHashImageAndAWebPageForAManifest() throws {
        let r = try pull(registry("PLAIN") + "#corpus/tiny:latest", dir + "/hash.sqsh")
        XCTAssertEqual(r.status, 0, r.stderr)
        let web = dir + "/web"
        try FileManager.default.createDirectory(atPath: web + "/v2/x/y/manifests", withIntermediateDirectories: true)
        try "<html>Sign in</html>\n".write(toFile: web + "/v2/x/y/manifests/latest.html", atomically: true, encoding: .utf8)
        try "{}\n".write(toFile: web + "/v2/index.html", atomically: true, encoding: .utf8)
        let port = 5190 + Int(getpid() % 8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", web]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        for _ in 0..<50 where try Harness.run(["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/v2/"]).status != 0 { usleep(100_000) }
        let page = try pull("127.0.0.1:\(port)/x/y:latest.html", dir + "/page.sqsh")
        XCTAssertEqual(page.status, 1)
        XCTAssertEqual(page.stderrLines.count, 1, page.stderr)
        XCTAssertTrue(page.stderr.contains("http://127.0.0.1:\(port)/v2/x/y/manifests/latest.html answered HTTP 200 with text/html, not a manifest"), page.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/page.sqsh"))
    }

    func testResolve() throws {
        let r = try Harness.vessel("resolve", "\(registry("PLAIN"))/corpus/tiny", environment: ["VESSEL_CACHE": cache])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix(cache + "/images/") && r.stdout.hasSuffix(".sqsh\n"), r.stdout)
        let again = try Harness.vessel("resolve", String(r.stdout.dropLast()), environment: ["VESSEL_CACHE": cache])
        XCTAssertEqual(again.stdout, r.stdout, "a SquashFS file resolves to itself")
        // A file name that does not exist is not taken for a Docker Hub reference.
        let missing = try Harness.vessel("resolve", "missing.sqsh", environment: ["VESSEL_CACHE": cache])
        XCTAssertEqual(missing.stderr, "vessel resolve: missing.sqsh: no such file or directory\n")
    }

    // MARK: Credentials

    func testBasicAuth() throws {
        let (user, password) = creds
        let ref = "\(registry("AUTH"))/corpus/tiny"
        let anonymous = try pull("-q", ref, dir + "/a.sqsh")
        XCTAssertEqual(anonymous.stderr, "vessel pull: \(ref):latest: authentication required: log in with vessel login, or set VESSEL_USERNAME and VESSEL_PASSWORD\n")
        let wrong = try pull("-q", ref, dir + "/a.sqsh", env: ["VESSEL_USERNAME": user, "VESSEL_PASSWORD": "not-the-password"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertEqual(wrong.stderr, "vessel pull: \(ref):latest: authentication failed: the registry refused the credentials (check them with vessel login)\n")
        XCTAssertFalse(wrong.stderr.contains("not-the-password"))
        let good = try pull("-q", "--json", ref, dir + "/a.sqsh", env: ["VESSEL_USERNAME": user, "VESSEL_PASSWORD": password])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertFalse(good.stdout.contains(password), "the report must not hold the password")
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(try layoutBuild("tiny")))
    }

    func testLoginStoresCredentialsPrivately() throws {
        let (user, password) = creds
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        if let u = Harness.testUser { try Harness.run(["chown", u, home]) }
        let env = ["HOME": home, "XDG_CONFIG_HOME": home + "/.config", "VESSEL_CACHE": cache]
        func login(_ pw: String) throws -> Harness.Result {
            try Harness.run(["sh", "-c", "printf '%s\\n' \"$PW\" | \(Harness.vessel) login --username \(user) --password-stdin \(registry("AUTH"))"],
                            asTestUser: true, environment: env.merging(["PW": pw]) { $1 })
        }
        let bad = try login("wrong")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("authentication failed"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/.config/vessel/auth.json"))
        let ok = try login(password)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let file = home + "/.config/vessel/auth.json"
        let attrs = try FileManager.default.attributesOfItem(atPath: file)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let r = try Harness.run([Harness.vessel, "pull", "-q", "\(registry("AUTH"))/corpus/tiny", dir + "/l.sqsh"], asTestUser: true, environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let inspect = try Harness.vessel("inspect", "--json", dir + "/l.sqsh")
        XCTAssertFalse(inspect.stdout.contains(password))
        let out = try Harness.run([Harness.vessel, "logout", registry("AUTH")], asTestUser: true, environment: env)
        XCTAssertEqual(out.status, 0, out.stderr)
        let after = try Harness.run([Harness.vessel, "pull", "-q", "--force", "\(registry("AUTH"))/corpus/tiny", dir + "/l.sqsh"],
                                    asTestUser: true, environment: env)
        XCTAssertTrue(after.stderr.contains("authentication required"), after.stderr)
    }

    func testDockerConfigCredentials() throws {
        let (user, password) = creds
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home + "/.docker", withIntermediateDirectories: true)
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        try #"{"auths": {"http://\#(registry("AUTH"))/v1/": {"auth": "\#(auth)"}}}"#.write(toFile: home + "/.docker/config.json", atomically: true, encoding: .utf8)
        if let u = Harness.testUser { try Harness.run(["chown", "-R", u, home]) }
        let r = try Harness.run([Harness.vessel, "pull", "-q", "\(registry("AUTH"))/corpus/tiny", dir + "/c.sqsh"], asTestUser: true,
                                environment: ["HOME": home, "VESSEL_CACHE": cache, "XDG_RUNTIME_DIR": "", "XDG_CONFIG_HOME": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testBearerTokenFlow() throws {
        let (user, password) = creds
        let before = try logLines("token").filter { $0.hasPrefix("GET /token") }.count
        let anonymous = try pull("-q", "\(registry("TOKEN"))/public/tiny", dir + "/p.sqsh")
        XCTAssertEqual(anonymous.status, 0, anonymous.stderr)
        let denied = try pull("-q", "\(registry("TOKEN"))/corpus/tiny", dir + "/t.sqsh")
        XCTAssertEqual(denied.status, 1)
        XCTAssertTrue(denied.stderr.contains("authentication required"), denied.stderr)
        let ok = try pull("-q", "\(registry("TOKEN"))/corpus/tiny", dir + "/t.sqsh", env: ["VESSEL_USERNAME": user, "VESSEL_PASSWORD": password])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/t.sqsh"), try Harness.sha256(try layoutBuild("tiny")))
        // One token per pull, reused for the manifest and every blob.
        let tokens = try logLines("token").filter { $0.hasPrefix("GET /token") }.count - before
        XCTAssertEqual(tokens, 3, "anonymous, refused, and one for the whole authenticated pull")
    }

    func testTLSWithTheTestCA() throws {
        let ref = "\(registry("TLS"))/corpus/tiny"
        let untrusted = try pull("-q", ref, dir + "/t.sqsh")
        XCTAssertEqual(untrusted.status, 1)
        XCTAssertTrue(untrusted.stderr.hasPrefix("vessel pull: registry \(registry("TLS")): TLS failure: "), untrusted.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/t.sqsh"))
        let trusted = try pull("-q", "--ca-file", Harness.env["VESSEL_REGISTRY_CA"]!, ref, dir + "/t.sqsh")
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/t.sqsh"), try Harness.sha256(try layoutBuild("tiny")))
    }

    // MARK: Faults

    func testResumesABlobAfterTheConnectionDrops() throws {
        let r = try pull("\(registry("FAULTS"))/drop/corpus/tiny", dir + "/d.sqsh", env: ["VESSEL_PROGRESS_INTERVAL": "100"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("retrying"), r.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/d.sqsh"), try Harness.sha256(try layoutBuild("tiny")))
        // Each dropped blob was completed with a Range request, not downloaded again.
        let lines = try logLines("faults").filter { $0.contains("/v2/drop/corpus/tiny/blobs/") }
        XCTAssertTrue(lines.contains { $0.hasSuffix(" drop") })
        XCTAssertTrue(lines.contains { $0.contains(" 206 ") && $0.contains(" range ") }, lines.suffix(8).joined(separator: "\n"))
    }

    func testWaitsOutARateLimit() throws {
        let r = try pull("\(registry("FAULTS"))/ratelimit/corpus/tiny", dir + "/r.sqsh")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("rate limit reached (429); it asks to retry after 1 s"), r.stderr)
        XCTAssertTrue(r.stderr.contains("retrying in 1.0 s"), r.stderr)
    }

    func testDeniedAndRateLimitedPullsSayWhy() throws {
        let denied = try pull("-q", "\(registry("FAULTS"))/denied/corpus/tiny", dir + "/d.sqsh")
        XCTAssertEqual(denied.status, 1)
        XCTAssertEqual(denied.stderr, "vessel pull: \(registry("FAULTS"))/denied/corpus/tiny:latest: access denied by the registry (403): these credentials may not pull this repository\n")
        let limited = try pull("-q", "\(registry("FAULTS"))/toomany/corpus/tiny", dir + "/t.sqsh")
        XCTAssertEqual(limited.status, 1)
        XCTAssertEqual(limited.stderr, "vessel pull: registry \(registry("FAULTS")): rate limit reached (429); it asks to retry after 3600 s; try again later or log in\n")
        XCTAssertEqual(cachedFiles("images"), [])
    }

    func testCorruptBlobIsRefusedAndNotCached() throws {
        let r = try pull("-q", "\(registry("FAULTS"))/corrupt/corpus/tiny", dir + "/c.sqsh")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("vessel pull: blob sha256:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("digest mismatch"), r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/c.sqsh"))
        XCTAssertEqual(cachedFiles("blobs/sha256"), [], "nothing corrupt or partial is kept")
        XCTAssertEqual(cachedFiles("images"), [])
        XCTAssertEqual(cachedFiles("locks"), [])
    }

    func testFullCacheDiskLeavesNothing() throws {
        guard Harness.isRoot else { throw Harness.skip("mounting a small tmpfs needs root") }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: false)
        XCTAssertEqual(try Harness.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755,uid=\(Harness.testIDs.uid)", "tmpfs", cache]).status, 0)
        defer { try? Harness.run(["umount", cache]) }
        let r = try pull("-q", "\(registry("PLAIN"))/corpus/tiny", dir + "/f.sqsh")
        XCTAssertEqual(r.status, 1)
        // The disk fills in a blob or, when the blobs fit, in the image being written: either is named.
        XCTAssertTrue(r.stderr.hasPrefix("vessel pull: cache \(cache)/"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix(": No space left on device\n"), r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1)
        // Blobs under their digest are whole and verified; downloads called off when the disk
        // filled may stay as .partial files, for the next pull to resume.
        for name in cachedFiles("blobs/sha256") where !name.hasSuffix(".partial") {
            XCTAssertEqual(try Harness.sha256(cache + "/blobs/sha256/" + name), name)
        }
        XCTAssertEqual(cachedFiles("images"), [])
        XCTAssertEqual(cachedFiles("locks"), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/f.sqsh"))
    }

    func testRedirectDoesNotCarryTheRegistryCredentials() throws {
        let (user, password) = creds
        let r = try pull("-q", "\(registry("FAULTS"))/redirect/corpus/tiny", dir + "/rd.sqsh",
                         env: ["VESSEL_USERNAME": user, "VESSEL_PASSWORD": password])
        XCTAssertEqual(r.status, 0, r.stderr)
        let store = try logLines("faults").filter { $0.hasPrefix("GET /store/corpus/tiny/") }
        XCTAssertFalse(store.isEmpty)
        XCTAssertFalse(store.contains { $0.contains(" auth ") }, store.joined(separator: "\n"))
    }

    // MARK: The shared cache

    func testConcurrentPullsDownloadAndConvertOnce() throws {
        let layout = try Harness.require("oci/debian")
        let ref = "\(registry("PLAIN"))/corpus/debian"
        let blobGets = { try self.logLines("plain").filter { $0.contains("\"GET /v2/corpus/debian/blobs/") }.count }
        let before = try blobGets()
        let group = DispatchGroup()
        let results = ResultsBox()
        for i in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? self.pull(ref, self.dir + "/o\(i).sqsh", env: ["VESSEL_PROGRESS_INTERVAL": "100"])
                results.add(r)
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(results.items.count, 8)
        for r in results.items { XCTAssertEqual(r?.status, 0, r?.stderr ?? "did not run") }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/"
            + String(try manifestDigest(layout).dropFirst(7))))) as! [String: Any]
        let blobs = (manifest["layers"] as! [Any]).count + 1
        XCTAssertEqual(try blobGets() - before, blobs, "each blob is downloaded once")
        let converted = results.items.filter { $0?.stderr.contains("wrote ") ?? false }.count
        XCTAssertEqual(converted, 1, "one process converts, the others wait for it")
        let sums = Set(try (0..<8).map { try Harness.sha256(dir + "/o\($0).sqsh") })
        XCTAssertEqual(sums.count, 1)
        XCTAssertEqual(cachedFiles("locks"), [])
    }

    func testStaleLocksAreBroken() throws {
        let layout = try Harness.require("oci/tiny")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/"
            + String(try manifestDigest(layout).dropFirst(7))))) as! [String: Any]
        let layers = (manifest["layers"] as! [[String: Any]]).map { String(($0["digest"] as! String).dropFirst(7)) }
        try FileManager.default.createDirectory(atPath: cache + "/locks", withIntermediateDirectories: true)
        // A dead process on this host, and a node that stopped refreshing its lock long ago.
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        try "\(String(cString: host)) 999999 0\n".write(toFile: cache + "/locks/blob-\(layers[0]).lock", atomically: false, encoding: .utf8)
        try "node-gone 1234 0\n".write(toFile: cache + "/locks/blob-\(layers[1]).lock", atomically: false, encoding: .utf8)
        try Harness.run(["touch", "-d", "1 hour ago", cache + "/locks/blob-\(layers[1]).lock"])
        // A live holder: this test, which lets go after a moment.
        let live = cache + "/locks/blob-\(layers[2]).lock"
        try "\(String(cString: host)) \(getpid()) 0\n".write(toFile: live, atomically: false, encoding: .utf8)
        if let u = Harness.testUser { try Harness.run(["chown", "-R", u, cache]) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { unlink(live) }
        let r = try pull("\(registry("PLAIN"))/corpus/tiny", dir + "/s.sqsh")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("waiting for \(String(cString: host)) pid \(getpid())"), r.stderr)
        XCTAssertEqual(cachedFiles("locks"), [])
    }

    func testCacheListAndClean() throws {
        XCTAssertEqual(try pull("-q", "\(registry("PLAIN"))/corpus/tiny", dir + "/t.sqsh").status, 0)
        let env = ["VESSEL_CACHE": cache]
        let list = try Harness.run([Harness.vessel, "cache", "list", "--json"], asTestUser: true, environment: env)
        XCTAssertEqual(list.status, 0, list.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [String: Any]
        let images = doc["images"] as! [[String: Any]]
        XCTAssertEqual(images.count, 1)
        XCTAssertEqual(images[0]["source"] as? String, "\(registry("PLAIN"))/corpus/tiny:latest")
        XCTAssertEqual(doc["blobCount"] as? Int, 4)
        let keep = try Harness.run([Harness.vessel, "cache", "clean", "--older-than", "1d"], asTestUser: true, environment: env)
        XCTAssertEqual(keep.status, 0, keep.stderr)
        XCTAssertEqual(keep.stdout, "freed 0 B\n")
        let none = try Harness.run([Harness.vessel, "cache", "clean"], asTestUser: true, environment: env)
        XCTAssertNotEqual(none.status, 0)
        let all = try Harness.run([Harness.vessel, "cache", "clean", "--all"], asTestUser: true, environment: env)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(cachedFiles("images"), [])
        XCTAssertEqual(cachedFiles("blobs/sha256"), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/t.sqsh"), "a pulled file outlives the cache entry")
    }
}

private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [Harness.Result?] = []
    func add(_ r: Harness.Result?) { lock.lock(); items.append(r); lock.unlock() }
}
