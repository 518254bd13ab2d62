import Foundation
@testable import VesselBuild
@testable import VesselRegistry
import XCTest

final class RegistryReferenceTests: XCTestCase {
    func testDockerHubConventions() throws {
        let r = try RegistryReference(parsing: "ubuntu")
        XCTAssertEqual(r.registry, "docker.io")
        XCTAssertEqual(r.apiHost, "registry-1.docker.io")
        XCTAssertEqual(r.repository, "library/ubuntu")
        XCTAssertEqual(r.tag, "latest")
        XCTAssertEqual(try RegistryReference(parsing: "docker://nvidia/cuda:12.4.1-base").repository, "nvidia/cuda")
        XCTAssertEqual(try RegistryReference(parsing: "index.docker.io/library/debian:12").registry, "docker.io")
    }

    func testRegistriesPortsTagsAndDigests() throws {
        let d = "sha256:" + String(repeating: "a", count: 64)
        let r = try RegistryReference(parsing: "docker://localhost:5000/group/app:1.2@\(d)")
        XCTAssertEqual(r.registry, "localhost:5000")
        XCTAssertEqual(r.repository, "group/app")
        XCTAssertEqual(r.tag, "1.2")
        XCTAssertEqual(r.digest?.description, d)
        XCTAssertEqual(r.manifestReference, d)
        XCTAssertTrue(r.isLoopback)
        XCTAssertFalse(try RegistryReference(parsing: "ghcr.io/org/app").isLoopback)
        XCTAssertTrue(try RegistryReference(parsing: "127.0.0.1:5100/corpus/tiny").isLoopback)
        XCTAssertEqual(try RegistryReference(parsing: "ghcr.io/org/app").description, "ghcr.io/org/app:latest")
        XCTAssertNil(try RegistryReference(parsing: "ghcr.io/org/app@\(d)").tag)
    }

    /// Enroot's and NGC's REGISTRY#IMAGE, as Pyxis users write it.
    func testRegistryHashImage() throws {
        let r = try RegistryReference(parsing: "nvcr.io#nvidia/pytorch:24.05-py3")
        XCTAssertEqual(r.registry, "nvcr.io")
        XCTAssertEqual(r.repository, "nvidia/pytorch")
        XCTAssertEqual(r.tag, "24.05-py3")
        let local = try RegistryReference(parsing: "docker://127.0.0.1:5100#corpus/tiny")
        XCTAssertEqual(local.description, "127.0.0.1:5100/corpus/tiny:latest")
        XCTAssertEqual(try RegistryReference(parsing: "docker.io#ubuntu").repository, "library/ubuntu")
        for bad in ["#ubuntu", "nvcr.io#", "a#b#c"] { XCTAssertThrowsError(try RegistryReference(parsing: bad), bad) }
    }

    func testInvalidReferences() {
        for bad in ["", "UPPER/case", "a//b", "app:", "app:-tag", "app@sha256:beef", "app@md5:" + String(repeating: "a", count: 32)] {
            XCTAssertThrowsError(try RegistryReference(parsing: bad), bad)
        }
    }
}

final class AuthChallengeTests: XCTestCase {
    func testBearerChallenge() throws {
        let c = try XCTUnwrap(AuthChallenge(header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push""#))
        XCTAssertEqual(c.scheme, .bearer)
        XCTAssertEqual(c.parameters["realm"], "https://auth.docker.io/token")
        XCTAssertEqual(c.parameters["service"], "registry.docker.io")
        XCTAssertEqual(c.parameters["scope"], "repository:library/ubuntu:pull,push")
    }

    func testBasicAndUnknownChallenges() {
        XCTAssertEqual(AuthChallenge(header: #"Basic realm="x""#)?.scheme, .basic)
        XCTAssertNil(AuthChallenge(header: "Negotiate abc"))
    }

    func testRetryAfter() {
        XCTAssertEqual(RetryPolicy.retryAfter("3"), 3)
        XCTAssertNil(RetryPolicy.retryAfter(nil))
        XCTAssertNotNil(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"))
        let p = RetryPolicy()
        XCTAssertLessThanOrEqual(p.delay(afterAttempt: 10), p.maximumDelay * 1.25)
    }
}

final class CredentialStoreTests: XCTestCase {
    private var home = ""

    override func setUpWithError() throws {
        home = NSTemporaryDirectory() + "vessel-creds-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: home) }

    private func write(_ path: String, _ json: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try json.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    func testSearchOrder() throws {
        try write(home + "/.docker/config.json", #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(b64("docker:pw1"))"}}}"#)
        var store = CredentialStore(environment: ["HOME": home])
        XCTAssertEqual(try store.lookup(registry: "docker.io")?.username, "docker")
        try write(home + "/.config/containers/auth.json", #"{"auths":{"docker.io":{"auth":"\#(b64("podman:pw2"))"}}}"#)
        XCTAssertEqual(try store.lookup(registry: "docker.io")?.username, "podman")
        try store.save(Credential(username: "vessel", password: "p:w", origin: ""), registry: "docker.io")
        let saved = try XCTUnwrap(try store.lookup(registry: "docker.io"))
        XCTAssertEqual(saved.username, "vessel")
        XCTAssertEqual(saved.password, "p:w")
        XCTAssertFalse(saved.description.contains("p:w"))
        var st = stat()
        XCTAssertEqual(stat(store.ownFile, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        store = CredentialStore(environment: ["HOME": home, "VESSEL_USERNAME": "env", "VESSEL_PASSWORD": "x"])
        XCTAssertEqual(try store.lookup(registry: "ghcr.io")?.username, "env")
        XCTAssertTrue(try CredentialStore(environment: ["HOME": home]).remove(registry: "docker.io"))
        XCTAssertEqual(try CredentialStore(environment: ["HOME": home]).lookup(registry: "docker.io")?.username, "podman")
    }

    func testBrokenAuthFileIsReported() throws {
        try write(home + "/broken.json", "{not json")
        let store = CredentialStore(environment: ["HOME": home, "REGISTRY_AUTH_FILE": home + "/broken.json"])
        XCTAssertThrowsError(try store.lookup(registry: "ghcr.io")) { e in
            XCTAssertEqual("\(e)", "\(home)/broken.json: not a valid auth file (expected {\"auths\": {...}})")
        }
    }
}

final class RedirectTests: XCTestCase {
    /// Credentials follow a redirect only to the same scheme, host and port: an https registry
    /// that redirects to http on the same host must not send the token in the clear.
    func testOrigins() {
        XCTAssertEqual(RegistryClient.origin(of: "https://r.example/v2/x"), RegistryClient.origin(of: "https://R.example:443/v2/y"))
        XCTAssertNotEqual(RegistryClient.origin(of: "https://r.example/v2/x"), RegistryClient.origin(of: "http://r.example/v2/x"))
        XCTAssertNotEqual(RegistryClient.origin(of: "https://r.example/v2/x"), RegistryClient.origin(of: "https://r.example:5000/v2/x"))
        XCTAssertNotEqual(RegistryClient.origin(of: "https://r.example/v2/x"), RegistryClient.origin(of: "https://blobs.example/x"))
    }
}

final class SiteConfigTests: XCTestCase {
    func testKeysAndWarnings() {
        var c = SiteConfig()
        c.apply("""
        # site settings
        cache-dir = /shared/vessel   # the group's cache
        nv-required = yes
        registry-parallel = 4
        require-signature = yes
        trusted-keys = /a, /b
        colour = blue
        nv-required = maybe
        results-root = /shared/results
        """, file: "vessel.conf")
        XCTAssertEqual(c.cacheDirectory, "/shared/vessel")
        XCTAssertTrue(c.nvRequired)
        XCTAssertEqual(c.parallelDownloads, 4)
        XCTAssertTrue(c.requireSignature)
        XCTAssertEqual(c.trustedKeys, ["/a", "/b"])
        XCTAssertEqual(c.resultsRoot, "/shared/results")
        XCTAssertEqual(c.warnings, ["vessel.conf:7: unknown key colour (known: cache-dir, nv-required, registry-parallel, require-signature, trusted-keys, results-root, trust, pin); ignored",
                                    "vessel.conf:8: nv-required takes yes or no"])
    }

    /// A user's file (or VESSEL_CONFIG) may make the site's policy stricter, never weaker.
    func testAUserCannotWeakenTheSitePolicy() {
        var c = SiteConfig()
        c.apply("require-signature = yes\nnv-required = yes\ntrusted-keys = /etc/site.pub\npin = cache-dir, results-root, colour\ncache-dir = /shared/cache\n", file: "site")
        XCTAssertEqual(c.trust, .site, "a site that requires signatures trusts its own keys unless it says otherwise")
        c.apply("require-signature = no\nnv-required = no\ntrust = site+user\npin = \ncache-dir = /mine\nresults-root = /r\ntrusted-keys = /home/me/k.pub\n", file: "user", scope: .user)
        XCTAssertTrue(c.requireSignature)
        XCTAssertTrue(c.nvRequired)
        XCTAssertEqual(c.trust, .site)
        XCTAssertEqual(c.cacheDirectory, "/shared/cache")
        XCTAssertNil(c.resultsRoot)
        XCTAssertEqual(c.trustedKeys, ["/etc/site.pub"])
        XCTAssertEqual(c.userTrustedKeys, ["/home/me/k.pub"])
        XCTAssertEqual(c.cacheDirectory(environment: ["VESSEL_CACHE": "/elsewhere"]), "/shared/cache", "VESSEL_CACHE cannot move a pinned cache")
        XCTAssertEqual(c.warnings, [
            "site:4: pin: colour cannot be pinned (only cache-dir, results-root); ignored",
            "user:1: require-signature = no cannot weaken the site's require-signature = yes; ignored",
            "user:2: nv-required = no cannot weaken the site's nv-required = yes; ignored",
            "user:3: trust is the site's to set (in /etc/vessel/vessel.conf); ignored",
            "user:4: pin is the site's to set (in /etc/vessel/vessel.conf); ignored",
            "user:5: the site pins cache-dir (in /etc/vessel/vessel.conf); ignored",
            "user:6: the site pins results-root (in /etc/vessel/vessel.conf); ignored",
        ])
        // Without a site policy, a user may turn one on for themselves, with their own keys.
        var u = SiteConfig()
        u.apply("require-signature = yes\n", file: "user", scope: .user)
        XCTAssertTrue(u.requireSignature)
        XCTAssertEqual(u.trust, .siteAndUser)
        XCTAssertEqual(u.cacheDirectory(environment: ["VESSEL_CACHE": "/v"]), "/v")
    }

    func testCacheRootOrder() {
        var c = SiteConfig()
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h"], config: c), "/h/.cache/vessel")
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h", "XDG_CACHE_HOME": "/x"], config: c), "/x/vessel")
        c.cacheDirectory = "/shared"
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h"], config: c), "/shared")
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["VESSEL_CACHE": "/v"], config: c), "/v")
    }
}

final class CacheLockTests: XCTestCase {
    func testExclusiveAndStale() throws {
        let dir = NSTemporaryDirectory() + "vessel-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/x.lock"
        let first = try CacheLock.acquire(path) { _ in XCTFail("free lock") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let holder = try XCTUnwrap(CacheLock.Holder(path: path))
        XCTAssertEqual(holder.pid, getpid())
        XCTAssertFalse(holder.isStale)
        first.release()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        // A dead owner on this host.
        try "\(CacheLock.hostName) 999999 0\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertTrue(try XCTUnwrap(CacheLock.Holder(path: path)).isStale)
        let second = try CacheLock.acquire(path) { _ in }
        XCTAssertEqual(try XCTUnwrap(CacheLock.Holder(path: path)).pid, getpid())
        second.release()
    }
}
