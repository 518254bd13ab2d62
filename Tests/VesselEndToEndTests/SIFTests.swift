import Foundation
import XCTest

/// Apptainer/Singularity .sif files, made here as Apptainer lays them out with Debian's
/// siftool (a SquashFS partition made by mksquashfs from a fixture's tree, with Apptainer's
/// /.singularity.d), opened in place by exec/run/inspect/verify and converted by build.
final class SIFTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        for tool in ["siftool", "mksquashfs"] where try Harness.run(["sh", "-c", "command -v \(tool)"]).status != 0 {
            throw Harness.skip("\(tool) is not installed (scripts/install-deps installs it)")
        }
        dir = try Harness.scratch(name)
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// A tree to make a partition from: a fixture's rootfs with what `apptainer build` writes
    /// into /.singularity.d (an env script from the image's ENV, %environment, a runscript,
    /// labels), made as root so that owners are kept.
    private func partition(from fixture: String, name: String) throws -> String {
        let rootfs = try Harness.require("expected/\(fixture)/rootfs")
        let tree = dir + "/\(name)-tree"
        let image = dir + "/\(name)-partition.sqsh"
        let script = """
        set -e
        cp -a \(rootfs) \(tree)
        mkdir -p \(tree)/.singularity.d/env
        cat > \(tree)/.singularity.d/env/10-docker2singularity.sh <<'EOF'
        #!/bin/sh
        export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        export LANG='C.UTF-8'
        EOF
        cat > \(tree)/.singularity.d/env/90-environment.sh <<'EOF'
        #!/bin/sh
        # %environment
        export GREETING="hello from sif"
        export PATH="/opt/tool/bin:$PATH"
        if [ -n "$DEBUG" ]; then
            export VERBOSE=1
        fi
        EOF
        printf '#!/bin/sh\\necho "runscript: $GREETING $*"\\n' > \(tree)/.singularity.d/runscript
        chmod 755 \(tree)/.singularity.d/runscript
        echo '{"org.label-schema.schema-version": "1.0", "maintainer": "lab"}' > \(tree)/.singularity.d/labels.json
        mksquashfs \(tree) \(image) -quiet -noappend -comp gzip >/dev/null
        """
        let r = try Harness.run(["sh", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        return image
    }

    /// siftool new + add: `objects` are (file, siftool add flags).
    private func sif(_ name: String, _ objects: [(String, [String])]) throws -> String {
        let out = dir + "/\(name).sif"
        var r = try Harness.run(["siftool", "new", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        for (file, flags) in objects {
            r = try Harness.run(["siftool", "add", out, file] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try Harness.run(["chmod", "644", out])
        return out
    }

    private let primary = ["--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", "2"]
    private let signature = ["--datatype", "5", "--signhash", "1", "--signentity", "433FE984155206BD962725E20E8713472A879943", "--link", "1"]

    func testASIFRunsInPlaceWithItsEnvironmentAndRunscript() throws {
        let part = try partition(from: "tiny", name: "tiny")
        let file = try sif("tiny", [(part, primary)])
        let exec = try Harness.vessel("exec", file, "sh", "-c", "echo $GREETING; echo $PATH; echo $LANG; echo ${VERBOSE:-unset}; head -1 /etc/os-release")
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "hello from sif\n/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nC.UTF-8\nunset\nNAME=\"corpus-tiny\"\n")
        let run = try Harness.vessel("run", file, "a", "b")
        XCTAssertEqual(run.stdout, "runscript: hello from sif a b\n", run.stderr)
        // Without FUSE (unpacked), and as root (the kernel's loop device at the partition's offset).
        let unpacked = try Harness.vessel("exec", "--unpack", file, "cat", "/.singularity.d/labels.json")
        XCTAssertTrue(unpacked.stdout.contains("\"maintainer\": \"lab\""), unpacked.stderr)
        let root = try Harness.run([Harness.vessel, "run", file, "c"])
        XCTAssertEqual(root.stdout, "runscript: hello from sif c\n", root.stderr)

        let inspect = try Harness.vessel("inspect", file)
        XCTAssertTrue(inspect.stdout.contains("SIF:          an Apptainer/Singularity image; its root partition is served at byte "), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("Entrypoint:   [\"/.singularity.d/runscript\"]"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("  maintainer=lab"), inspect.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(try Harness.vessel("inspect", "--json", file).stdout.utf8)) as! [String: Any]
        let objects = (json["sif"] as! [String: Any])["objects"] as! [[String: Any]]
        XCTAssertEqual(objects.map { $0["type"] as? String }, ["partition (squashfs, primary system, amd64)"])
    }

    /// The tree served from a .sif file is its partition's, entry for entry: compared inside the
    /// container with tree-diff (the Debian fixture has Python), as root through the kernel's
    /// loop device at the partition's offset, and as the test user through Vessel's FUSE server.
    func testTheServedTreeIsThePartitions() throws {
        let part = try partition(from: "debian", name: "debian")
        let file = try sif("debian", [(part, primary)])
        let fixtures = URL(fileURLWithPath: Harness.treeDiff).deletingLastPathComponent().path
        try Harness.run(["chmod", "-R", "a+rX", fixtures])
        // What Vessel puts over the image (binds, /dev, /proc, the working directory) is not the image's.
        let excluded = ["/proc", "/sys", "/dev", "/tmp", "/root", "/home", "/run", "/etc/hosts", "/etc/resolv.conf", "/etc/passwd",
                        "/etc/group", "/etc/hostname", "/etc/localtime", "/.vessel", "/treediff", "/var/tmp", "/mnt", "/srv", "/opt",
                        // and the working directory, wherever the clone is (/work here, /check in CI)
                        "/" + FileManager.default.currentDirectoryPath.split(separator: "/")[0]]
        let excludes = excluded.flatMap { ["--exclude", $0, "--exclude", $0 + "/*"] }
        // The test user is root inside (--fakeroot), to read root's 0600 files; other owners are
        // unmapped without subordinate ids, so owners are compared as root only.
        for (asTestUser, ignore) in [(false, "mtime"), (true, "mtime,uid,gid")] {
            let dump = try Harness.run([Harness.vessel, "exec", "--fakeroot", "--pwd", "/", "--bind", "\(fixtures):/treediff", file,
                                        "python3", "/treediff/tree-diff.py", "--dump", "/"] + excludes, asTestUser: asTestUser)
            XCTAssertEqual(dump.status, 0, dump.stderr)
            let listing = dir + "/served-\(asTestUser).jsonl"
            try dump.stdout.write(toFile: listing, atomically: true, encoding: .utf8)
            let diff = try Harness.run(["python3", Harness.treeDiff, "--ignore", ignore, listing, part] + excludes)
            XCTAssertEqual(diff.status, 0, "as \(asTestUser ? "the test user (FUSE)" : "root (loop device)"): \(diff.stdout)\(diff.stderr)")
        }
    }

    /// A SIF file with a definition file, a data partition and a signature besides its root
    /// partition runs its root partition; inspect lists every object, verify names the signature.
    func testSeveralPartitionsAndASignatureDescriptor() throws {
        let part = try partition(from: "tiny", name: "tiny")
        let data = dir + "/data.sqsh"
        try Harness.run(["sh", "-c", "mkdir -p \(dir)/data && echo payload > \(dir)/data/file && mksquashfs \(dir)/data \(data) -quiet -noappend"])
        try "Bootstrap: docker\nFrom: debian:12\n".write(toFile: dir + "/def", atomically: true, encoding: .utf8)
        let file = try sif("multi", [(dir + "/def", ["--datatype", "1"]),
                                     (data, ["--datatype", "4", "--parttype", "3", "--partfs", "1", "--partarch", "2"]),
                                     (part, primary), (part, signature.dropLast() + ["3"])])
        let exec = try Harness.vessel("exec", file, "sh", "-c", "head -1 /etc/os-release")
        XCTAssertEqual(exec.stdout, "NAME=\"corpus-tiny\"\n", exec.stderr)
        let inspect = try Harness.vessel("inspect", file)
        for line in ["  object 1: definition file, ", "  object 2: partition (squashfs, data, amd64), ",
                     "  object 3: partition (squashfs, primary system, amd64), ",
                     "  object 4: signature, ", ", SHA-256 by 433FE984155206BD962725E20E8713472A879943 over object 3"] {
            XCTAssertTrue(inspect.stdout.contains(line), "no \(line) in:\n\(inspect.stdout)")
        }
        let verify = try Harness.vessel("verify", file)
        XCTAssertEqual(verify.status, 1)
        XCTAssertEqual(verify.stderr, "vessel verify: \(file): a SIF file without a Vessel signature; it carries 1 SIF signature by 433FE984155206BD962725E20E8713472A879943 over object 3 (SHA-256), which are PGP signatures: check them with apptainer verify, or convert it (vessel build OUT.sqsh sif:\(file)) and sign that\n")
    }

    func testUnsupportedPartitionsAreRefusedInOneLine() throws {
        let blob = dir + "/fs.img"
        try Data(repeating: 0, count: 8192).write(to: URL(fileURLWithPath: blob))
        let ext3 = try sif("ext3", [(blob, ["--datatype", "4", "--parttype", "2", "--partfs", "2", "--partarch", "2"])])
        let encrypted = try sif("encrypted", [(blob, ["--datatype", "4", "--parttype", "2", "--partfs", "5", "--partarch", "2"])])
        let dataOnly = try sif("data", [(blob, ["--datatype", "4", "--parttype", "3", "--partfs", "4", "--partarch", "2"])])
        let cases = [
            (ext3, "a SIF file whose root partition is ext3, which Vessel does not serve; make a SquashFS one with apptainer build NEW.sif \(ext3)"),
            (encrypted, "a SIF file whose root partition is encrypted; Vessel does not decrypt SIF partitions (apptainer build --pem-path made it)"),
            (dataOnly, "a SIF file without a primary system partition (it holds 1 partition, none of them the container's root)"),
        ]
        for (file, why) in cases {
            let exec = try Harness.vessel("exec", file, "true")
            XCTAssertEqual(exec.status, 125)
            XCTAssertEqual(exec.stderr, "vessel exec: \(file): \(why)\n")
            let build = try Harness.vessel("build", "-q", dir + "/out.sqsh", "sif:" + file)
            XCTAssertEqual(build.status, 1)
            XCTAssertEqual(build.stderr, "vessel build: \(file): \(why)\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.sqsh"))
        }
    }

    /// `vessel build OUT sif:FILE` (or the plain path): the partition's tree exactly, times
    /// included, as a Vessel image whose config comes from /.singularity.d and whose provenance
    /// names the SIF file's digest; the same bytes each time.
    func testBuildFromSIFGivesAVesselImageWithProvenance() throws {
        let part = try partition(from: "tiny", name: "tiny")
        let file = try sif("tiny", [(part, primary)])
        let out = dir + "/tiny.sqsh"
        let build = try Harness.vessel("build", out, "sif:" + file)
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stderr.contains("warning: /.singularity.d/env/90-environment.sh:5: inside a conditional or loop; left out: if [ -n \"$DEBUG\" ]; then\n"), build.stderr)
        let again = try Harness.vessel("build", "-q", dir + "/again.sqsh", file)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Harness.sha256(out), try Harness.sha256(dir + "/again.sqsh"))
        let diff = try Harness.run(["python3", Harness.treeDiff, "--mtime", out, part, "--exclude", "/.vessel", "--exclude", "/.vessel/*"])
        XCTAssertEqual(diff.status, 0, diff.stdout + diff.stderr)
        let run = try Harness.vessel("run", out, "x")
        XCTAssertEqual(run.stdout, "runscript: hello from sif x\n", run.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(try Harness.vessel("inspect", "--json", out).stdout.utf8)) as! [String: Any]
        let provenance = json["provenance"] as! [String: Any]
        XCTAssertEqual(provenance["transport"] as? String, "sif")
        let layer = (provenance["layers"] as! [[String: Any]])[0]
        XCTAssertEqual(layer["digest"] as? String, "sha256:" + (try Harness.sha256(file)))
        XCTAssertEqual(layer["mediaType"] as? String, "application/vnd.sylabs.sif.layer.v1.sif")
        XCTAssertEqual((json["config"] as! [String: Any])["env"] as? [String],
                       ["PATH=/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "GREETING=hello from sif"])
    }
}
