import Foundation
import XCTest

/// Sharing image files through registries (`vessel push`, `oras://`) against the real test
/// registries (Tests/Fixtures/registry: docker-registry plain and with basic auth, and the
/// fault proxy in front of it), as the unprivileged test user, each test with its own cache
/// and its own repositories.
final class ArtifactTests: XCTestCase {
    private var dir = ""
    private var cache = ""
    private var repository = ""

    override func setUpWithError() throws {
        guard Harness.env["VESSEL_REGISTRY_PLAIN"] != nil else {
            throw Harness.skip("no test registry: run scripts/test, which starts it (Tests/Fixtures/registry/start-registry.sh)")
        }
        dir = try Harness.scratch(name)
        cache = dir + "/cache"
        repository = "share/t\(UInt32.random(in: 0...UInt32.max))"
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    private func registry(_ kind: String) -> String { Harness.env["VESSEL_REGISTRY_\(kind)"]! }
    private var credentials: [String: String] {
        let c = Harness.env["VESSEL_REGISTRY_CREDS"]!.split(separator: ":")
        return ["VESSEL_USERNAME": String(c[0]), "VESSEL_PASSWORD": String(c[1])]
    }

    private func vessel(_ args: [String], env: [String: String] = [:]) throws -> Harness.Result {
        try Harness.run([Harness.vessel] + args, asTestUser: true, environment: env.merging(["VESSEL_CACHE": cache]) { a, _ in a })
    }

    /// The tiny image with a time stamp of its own: bytes no other test has pushed.
    private func image(_ name: String = "tiny") throws -> String {
        let out = dir + "/\(name).sqsh"
        let r = try Harness.run([Harness.vessel, "build", "-q", out, "oci:" + (try Harness.require("oci/tiny")) + ":latest"], asTestUser: true,
                                environment: ["SOURCE_DATE_EPOCH": "\(UInt32.random(in: 1_000_000...2_000_000_000))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    private func log(_ instance: String) throws -> [String] {
        try String(contentsOfFile: registry("DIR") + "/\(instance)/registry.log", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// docker-registry's access log lines for `repository` that carry blob bytes to it.
    private func blobUploads(_ instance: String) throws -> Int {
        try log(instance).filter { $0.contains("/v2/\(repository)/blobs/uploads/") && ($0.contains("\"PATCH ") || $0.contains("\"PUT ")) }.count
    }

    func testPushThenPullGivesTheSameBytesAndASecondPushSendsNoBlob() throws {
        let file = try image()
        let target = "oras://\(registry("PLAIN"))/\(repository):v1"
        let push = try vessel(["push", "--json", file, target])
        XCTAssertEqual(push.status, 0, push.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(push.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((report["blobs"] as! [[String: Any]]).map { $0["uploaded"] as? Bool }, [true, true])
        let uploads = try blobUploads("plain")
        XCTAssertGreaterThan(uploads, 0)

        let again = try vessel(["push", file, "docker://\(registry("PLAIN"))/\(repository):v1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("(0 of 2 blobs sent, 0 B)"), again.stderr)
        XCTAssertEqual(try blobUploads("plain"), uploads, "the second push sent a blob")

        let pulled = dir + "/pulled.sqsh"
        let pull = try vessel(["pull", "--json", target, pulled])
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(try Harness.sha256(pulled), try Harness.sha256(file))
        let pullReport = try JSONSerialization.jsonObject(with: Data(pull.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(pullReport["source"] as? String, "\(registry("PLAIN"))/\(repository):v1@\(report["manifestDigest"] as! String)")
        // The manifest is an artifact with the image's configuration as its config.
        let manifest = try Harness.run(["curl", "-sf", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                                        "http://\(registry("PLAIN"))/v2/\(repository)/manifests/v1"])
        let m = try JSONSerialization.jsonObject(with: Data(manifest.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(m["artifactType"] as? String, "application/vnd.vessel.image.v1")
        XCTAssertEqual((m["layers"] as! [[String: Any]]).first?["mediaType"] as? String, "application/vnd.vessel.image.layer.v1.squashfs")

        // exec and run take the reference, through the cache: pulled once.
        let exec = try vessel(["exec", target, "sh", "-c", "head -1 /etc/os-release"])
        XCTAssertEqual(exec.stdout, "NAME=\"corpus-tiny\"\n", exec.stderr)
        XCTAssertEqual(exec.stderr, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache + "/images").filter { $0.hasSuffix(".sqsh") }.count, 1)
    }

    func testWithAndWithoutCredentials() throws {
        let file = try image()
        let target = "oras://\(registry("AUTH"))/\(repository):v1"
        let anonymous = try vessel(["push", "-q", file, target])
        XCTAssertEqual(anonymous.status, 1)
        XCTAssertEqual(anonymous.stderr, "vessel push: \(registry("AUTH"))/\(repository) blob \(try configDigestShort(file)): authentication required: log in with vessel login, or set VESSEL_USERNAME and VESSEL_PASSWORD\n")
        let push = try vessel(["push", "-q", file, target], env: credentials)
        XCTAssertEqual(push.status, 0, push.stderr)
        XCTAssertEqual(try vessel(["pull", "-q", target, dir + "/anon.sqsh"]).status, 1)
        let pull = try vessel(["pull", "-q", target, dir + "/pulled.sqsh"], env: credentials)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/pulled.sqsh"), try Harness.sha256(file))
    }

    /// The first blob a push sends is its config: its digest names the blob in messages.
    private func configDigestShort(_ file: String) throws -> String {
        let out = try vessel(["push", "--json", "-q", file, "oras://\(registry("PLAIN"))/\(repository)-probe:v1"])
        let blobs = (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as! [String: Any])["blobs"] as! [[String: Any]]
        return String((blobs[0]["digest"] as! String).dropFirst(7).prefix(12))
    }

    /// The connection drops in the middle of a chunk twice (curl's own retry included): the
    /// registry is asked what it holds, and the upload goes on from there in the same session.
    func testABrokenUploadResumes() throws {
        let file = try image()
        let push = try vessel(["push", "--chunk-size", "256K", file, "oras://\(registry("FAULTS"))/dropupload/\(repository):v1"])
        XCTAssertEqual(push.status, 0, push.stderr)
        let lines = try log("faults").filter { $0.contains("/v2/dropupload/\(repository)/blobs/") }
        XCTAssertEqual(lines.filter { $0.hasSuffix("dropupload") }.count, 2, lines.joined(separator: "\n"))
        XCTAssertEqual(lines.filter { $0.hasPrefix("GET ") && $0.contains(" 204 ") }.count, 1, lines.joined(separator: "\n"))
        // One session per blob (config, image): the image's was not started over.
        XCTAssertEqual(lines.filter { $0.hasPrefix("POST ") }.count, 2, lines.joined(separator: "\n"))
        XCTAssertTrue(push.stderr.contains("retrying"), push.stderr)
        let pull = try vessel(["pull", "-q", "oras://\(registry("PLAIN"))/\(repository):v1", dir + "/pulled.sqsh"])
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/pulled.sqsh"), try Harness.sha256(file))
    }

    func testATamperedBlobIsRefusedAndNotKept() throws {
        let file = try image()
        let target = "oras://\(registry("PLAIN"))/\(repository):v1"
        XCTAssertEqual(try vessel(["push", "-q", file, target]).status, 0)
        let digest = try Harness.sha256(file)
        let stored = registry("DIR") + "/plain/storage/docker/registry/v2/blobs/sha256/\(digest.prefix(2))/\(digest)/data"
        XCTAssertEqual(try Harness.run(["sh", "-c", "printf X | dd of=\(stored) bs=1 seek=4096 conv=notrunc status=none"]).status, 0)
        let pull = try vessel(["pull", "-q", target, dir + "/pulled.sqsh"])
        XCTAssertEqual(pull.status, 1)
        XCTAssertTrue(pull.stderr.hasPrefix("vessel pull: blob sha256:\(digest): digest mismatch"), pull.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/pulled.sqsh"))
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/images"))?.filter { $0.hasSuffix(".sqsh") } ?? []
        XCTAssertEqual(kept, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/blobs/sha256/\(digest)"))
        let exec = try vessel(["exec", target, "true"])
        XCTAssertEqual(exec.status, 125)
    }

    /// A registry that takes container images only says so in one line; a site that requires
    /// signatures refuses an unsigned artifact on pull and keeps nothing at the output.
    func testARegistryWithoutArtifactsAndTheTrustPolicy() throws {
        let file = try image()
        let refused = try vessel(["push", "-q", file, "oras://\(registry("FAULTS"))/noartifacts/\(repository):v1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "vessel push: \(registry("FAULTS"))/noartifacts/\(repository):v1: the registry refused the image's manifest (400 MANIFEST_INVALID: manifest invalid); it may not take OCI artifacts: push to one that does (distribution 2.8 or later, Harbor 2.8, GHCR, GitLab) or share the file itself\n")
        let target = "oras://\(registry("PLAIN"))/\(repository):v1"
        XCTAssertEqual(try vessel(["push", "-q", file, target]).status, 0)
        try "require-signature = yes\n".write(toFile: dir + "/vessel.conf", atomically: true, encoding: .utf8)
        let pull = try vessel(["pull", "-q", target, dir + "/pulled.sqsh"], env: ["VESSEL_CONFIG": dir + "/vessel.conf"])
        XCTAssertEqual(pull.status, 1)
        XCTAssertEqual(pull.stderr, "vessel pull: \(dir)/pulled.sqsh: not signed, and this site requires a signature from a trusted key (require-signature in vessel.conf)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/pulled.sqsh"))
    }

    /// What `apptainer push image.sif oras://...` stores (its media types, an empty config),
    /// pushed here with curl: vessel pulls it, byte for byte, and runs it.
    func testAnApptainerPushedSIFArtifact() throws {
        let tree = dir + "/tree"
        let sif = dir + "/image.sif"
        let script = """
        set -e
        cp -a \(try Harness.require("expected/tiny/rootfs")) \(tree)
        mkdir -p \(tree)/.singularity.d
        printf '#!/bin/sh\\necho "sif runscript $*"\\n' > \(tree)/.singularity.d/runscript && chmod 755 \(tree)/.singularity.d/runscript
        mksquashfs \(tree) \(dir)/part.sqsh -quiet -noappend >/dev/null
        siftool new \(sif) && siftool add \(sif) \(dir)/part.sqsh --datatype 4 --parttype 2 --partfs 1 --partarch 2 >/dev/null
        chmod 644 \(sif)
        """
        XCTAssertEqual(try Harness.run(["sh", "-c", script]).status, 0)
        let base = "http://\(registry("PLAIN"))/v2/\(repository)"
        func upload(_ path: String) throws -> (String, Int) {
            let digest = "sha256:" + (try Harness.sha256(path))
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
            let location = try Harness.run(["sh", "-c", "curl -sf -X POST -D - -o /dev/null \(base)/blobs/uploads/ | sed -n 's/^Location: *//Ip' | tr -d '\\r'"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let put = try Harness.run(["curl", "-sf", "-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + path,
                                       location + (location.contains("?") ? "&" : "?") + "digest=" + digest])
            XCTAssertEqual(put.status, 0, put.stderr)
            return (digest, size)
        }
        try "{}".write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        let (configDigest, configSize) = try upload(dir + "/config.json")
        let (layerDigest, layerSize) = try upload(sif)
        let manifest = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.sylabs.sif.config.v1+json","digest":"\(configDigest)","size":\(configSize)},\
        "layers":[{"mediaType":"application/vnd.sylabs.sif.layer.v1.sif","digest":"\(layerDigest)","size":\(layerSize),\
        "annotations":{"org.opencontainers.image.title":"image.sif"}}]}
        """
        let put = try Harness.run(["curl", "-sf", "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json",
                                   "--data-binary", manifest, "\(base)/manifests/latest"])
        XCTAssertEqual(put.status, 0, put.stderr)

        let target = "oras://\(registry("PLAIN"))/\(repository):latest"
        let pull = try vessel(["pull", "-q", target, dir + "/pulled.sif"])
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/pulled.sif"), try Harness.sha256(sif))
        let run = try vessel(["run", target, "a"])
        XCTAssertEqual(run.stdout, "sif runscript a\n", run.stderr)
        // docker:// of an artifact is the artifact too, and a container image under oras:// says what it is.
        XCTAssertEqual(try vessel(["pull", "-q", "docker://\(registry("PLAIN"))/\(repository):latest", dir + "/d.sif"]).status, 0)
        let image = try vessel(["pull", "-q", "oras://\(registry("PLAIN"))/corpus/tiny:latest", dir + "/x.sqsh"])
        XCTAssertEqual(image.status, 1)
        XCTAssertTrue(image.stderr.hasSuffix("a container image, not an image file pushed as an artifact; pull it with docker://\n"), image.stderr)
    }
}
