import Foundation
import XCTest

/// The image gateway (`vessel gateway`), as scripts/test runs it: its own system user (vessel),
/// its own cache, the socket everyone may connect to. Twenty users' requests make one
/// conversion; no user can write its cache, steer it to a path or a private image, or plant a
/// link it follows.
final class GatewayTests: XCTestCase {
    private var users: TwoUsers!
    private var socket = "", cache = "", log = ""

    override func setUpWithError() throws {
        guard let s = Harness.env["VESSEL_GATEWAY_SOCKET"], let c = Harness.env["VESSEL_GATEWAY_CACHE"],
              let l = Harness.env["VESSEL_GATEWAY_LOG"], FileManager.default.fileExists(atPath: s) else {
            throw Harness.skip("no image gateway: run scripts/test as root")
        }
        (socket, cache, log) = (s, c, l)
        users = try TwoUsers(name)
    }

    override func tearDownWithError() throws { users?.remove() }

    private var registry: String { get throws {
        guard let r = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry: run scripts/test") }
        return r
    } }

    /// The tiny image with a layer of its own on top (a file of random bytes), pushed: an image
    /// (a digest) no earlier request asked the gateway for.
    private func freshImage() throws -> String {
        let name = "gateway/t\(UInt32.random(in: 0...UInt32.max))"
        let layout = users.dir + "/layout-\(name.dropFirst(9))"
        let made = try Harness.run(["python3", "-c", Self.addLayer, try Harness.require("oci/tiny"), layout])
        XCTAssertEqual(made.status, 0, made.stderr)
        let r = try Harness.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:\(layout):latest", "docker://\(try registry)/\(name):v1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return "docker://\(try registry)/\(name):v1"
    }

    /// Copies the layout argv[1] to argv[2] with one more layer: /fresh.txt, random.
    static let addLayer = """
        import hashlib, io, json, os, shutil, sys, tarfile
        src, dst = sys.argv[1], sys.argv[2]
        shutil.copytree(src, dst)
        def blob(d): return open(dst + "/blobs/sha256/" + d.split(":")[1], "rb").read()
        def put(b):
            h = hashlib.sha256(b).hexdigest(); open(dst + "/blobs/sha256/" + h, "wb").write(b); return "sha256:" + h
        index = json.load(open(dst + "/index.json"))
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as t:
            data = os.urandom(64).hex().encode(); info = tarfile.TarInfo("fresh.txt"); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data))
        layer = raw.getvalue(); digest = put(layer)
        config["rootfs"]["diff_ids"].append(digest)
        cbytes = json.dumps(config).encode()
        manifest["config"] = dict(manifest["config"], digest=put(cbytes), size=len(cbytes))
        manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": len(layer)})
        mbytes = json.dumps(manifest).encode()
        index["manifests"][0] = dict(index["manifests"][0], digest=put(mbytes), size=len(mbytes))
        json.dump(index, open(dst + "/index.json", "w"))
        """

    /// What a user gets asking the gateway directly, in its protocol: its reply lines.
    private func ask(_ user: String, _ request: String, at path: String? = nil) throws -> [String] {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
            try:
                s.sendall(sys.argv[2].encode()); s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the gateway answered and closed before all of a too long request was sent
            try:
                print(s.makefile(errors="replace").read(), end="")
            except OSError:
                pass
            """
        let r = try users.run(user, ["python3", "-c", script, path ?? socket, request])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("WAIT\t") }
    }

    func testTwentyRequestsMakeOneConversion() throws {
        let site = try SitePolicy(conf: "gateway = \(socket)\n")
        defer { site.restore() }
        let ref = try freshImage()
        let out = try users.directory("out", owner: "root", mode: "1777")
        let started = (0..<20).map { i -> Process? in
            try? users.start(i % 2 == 0 ? users.attacker : users.victim,
                             ["sh", "-c", "\(Harness.vessel) resolve \(ref) > \(out)/\(i).out 2> \(out)/\(i).err; echo $? > \(out)/\(i).rc"])
        }
        for p in started { p?.waitUntilExit() }
        var paths = Set<String>()
        for i in 0..<20 {
            let rc = try String(contentsOfFile: "\(out)/\(i).rc", encoding: .utf8)
            XCTAssertEqual(rc, "0\n", (try? String(contentsOfFile: "\(out)/\(i).err", encoding: .utf8)) ?? "")
            paths.insert(try String(contentsOfFile: "\(out)/\(i).out", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertEqual(paths.count, 1, "\(paths)")
        let path = try XCTUnwrap(paths.first)
        XCTAssertTrue(path.hasPrefix(cache + "/images/"), path)
        let converted = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains(": \(ref): ") }
        XCTAssertEqual(converted.filter { $0.hasSuffix(" s)") && $0.contains("(converted in") }.count, 1, converted.joined(separator: "\n"))
        XCTAssertEqual(converted.count, 20, "every request is logged with who asked")
        XCTAssertTrue(converted.contains { $0.contains("(\(users.victim))") } && converted.contains { $0.contains("(\(users.attacker))") })
        // The legitimate use: the file runs for anyone.
        let run = try users.run(users.victim, [Harness.vessel, "exec", path, "sh", "-c", "head -1 /etc/os-release"])
        XCTAssertEqual(run.stdout, "NAME=\"corpus-tiny\"\n", run.stderr)
        // Down, the gateway is said to be so in one line, and the user converts it themselves.
        let elsewhere = try SitePolicy(conf: "gateway = \(users.dir)/no-such.sock\n")
        defer { elsewhere.restore() }
        let own = try users.run(users.victim, [Harness.vessel, "resolve", ref], env: ["VESSEL_CACHE": try users.own(users.victim) + "/cache"])
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertTrue(own.stdout.hasPrefix(try users.own(users.victim) + "/cache/images/"), own.stdout)
        XCTAssertEqual(own.stderr.split(separator: "\n").filter { $0.contains("image gateway") }.count, 1, own.stderr)
        XCTAssertTrue(own.stderr.contains("is not answering"), own.stderr)
    }

    /// The attacker can neither write the gateway's cache, nor make it read or write a path
    /// (requests carry a docker:// reference only), nor make it fetch a private image (it has
    /// no one's credentials); a bad request gets one ERROR line. A user with credentials for a
    /// registry converts its images themselves.
    func testAUserCanNeitherWriteNorSteerTheGateway() throws {
        let ref = try freshImage()
        let answer = try ask(users.victim, "RESOLVE\t\(ref)\t-\n")
        XCTAssertEqual(answer.count, 1)
        let path = try XCTUnwrap(answer.first.flatMap { $0.hasPrefix("IMAGE\t") ? String($0.dropFirst(6)) : nil }, "\(answer)")
        for attack in ["echo x > \(path)", "touch \(cache)/images/planted", "rm -f \(path)", "ln -s /etc/shadow \(cache)/images/x.sqsh",
                       "mv \(cache)/images \(cache)/moved"] {
            XCTAssertNotEqual(try users.run(users.attacker, ["sh", "-c", attack]).status, 0, "the attacker could: \(attack)")
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: cache + "/images").sorted()
        let bait = try users.own(users.attacker)
        for bad in ["RESOLVE\toci:\(bait)\t-\n", "RESOLVE\t\(bait)/x.tar\t-\n", "RESOLVE\tdocker://../../\(bait)/x\t-\n",
                    "RESOLVE\tdocker-archive:/etc/shadow\t-\n", "PULL\t\(ref)\n",
                    "RESOLVE\t\(ref)\n"] {
            let reply = try ask(users.attacker, bad)
            XCTAssertEqual(reply.count, 1, "\(bad.prefix(60)): \(reply)")
            XCTAssertTrue(reply.first?.hasPrefix("ERROR\t") ?? false, "\(bad.prefix(60)): \(reply)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache + "/images").sorted(), before, "a bad request wrote in the cache")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bait), [], "the gateway wrote in the attacker's directory")

        // A private image (a registry that wants credentials): the gateway has none to give.
        let auth = try XCTUnwrap(Harness.env["VESSEL_REGISTRY_AUTH"])
        let refused = try ask(users.attacker, "RESOLVE\tdocker://\(auth)/corpus/tiny:latest\t-\n")
        XCTAssertTrue(refused.first?.hasPrefix("ERROR\t") ?? false, "\(refused)")
        XCTAssertTrue(refused.first?.contains("authentication required") ?? false, "\(refused)")
        // The user who has them converts it in their own cache, without asking the gateway.
        let site = try SitePolicy(conf: "gateway = \(socket)\n")
        defer { site.restore() }
        let creds = try XCTUnwrap(Harness.env["VESSEL_REGISTRY_CREDS"]).split(separator: ":").map(String.init)
        let mine = try users.run(users.victim, [Harness.vessel, "resolve", "docker://\(auth)/corpus/tiny:latest"],
                                 env: ["VESSEL_CACHE": try users.own(users.victim) + "/cache", "VESSEL_USERNAME": creds[0], "VESSEL_PASSWORD": creds[1]])
        XCTAssertEqual(mine.status, 0, mine.stderr)
        XCTAssertTrue(mine.stdout.hasPrefix(try users.own(users.victim) + "/cache/"), mine.stdout)
        XCTAssertFalse(mine.stderr.contains("gateway"), mine.stderr)
    }

    /// A second gateway (as the vessel user) on a cache path the attacker made first, a link to
    /// their directory under a world-writable one: it refuses to start, in one line, and writes
    /// nothing there.
    func testAPlantedLinkOnTheCachesWayIsRefused() throws {
        let open = try users.directory("open", owner: "root", mode: "1777")
        let bait = try users.own(users.attacker) + "/bait"
        XCTAssertEqual(try users.run(users.attacker, ["sh", "-c", "mkdir -m 0777 \(bait) && ln -s \(bait) \(open)/cache"]).status, 0)
        let cli = URL(fileURLWithPath: Harness.vessel).deletingLastPathComponent().path + "/vessel-cli"
        let refused = try Harness.run(["setpriv", "--reuid=vessel", "--regid=vessel", "--init-groups", cli, "gateway",
                                       "--cache", open + "/cache", "--socket", open + "/gw.sock"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\(open)/cache is not a directory (a symbolic link?); refused"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bait), [])
    }
}
