import Foundation
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
