import XCTest

/// The debootstrap Debian image and the ML image (numpy, scipy, pandas, scikit-learn) in every
/// transport. A separate group: scripts/test runs it after the fast tests (skip with --fast).
final class LargeImageTests: XCTestCase {
    func testDebian() throws { try allTransports("debian") }

    func testML() throws { try allTransports("ml") }

    func testMLIsReproducible() throws {
        let src = "oci-archive:" + (try Harness.require("oci-archive/ml.tar"))
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/a.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/b.sqsh", src).status, 0)
        XCTAssertEqual(try Harness.sha256(dir + "/a.sqsh"), try Harness.sha256(dir + "/b.sqsh"))
    }

    private func allTransports(_ name: String) throws {
        let reference = try Harness.require("expected/\(name)/rootfs")
        try Harness.assertConvertsExactly("oci:" + Harness.require("oci/\(name)"), reference: reference)
        try Harness.assertConvertsExactly("oci-archive:" + Harness.require("oci-archive/\(name).tar"), reference: reference)
        try Harness.assertConvertsExactly("docker-archive:" + Harness.require("docker-archive/\(name).tar"), reference: reference)
    }
}

/// The Debian and ML images run rootless: python3, then numpy and scipy computing.
final class LargeImageRuntimeTests: XCTestCase {
    func testDebianRunsPython() throws {
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/debian.sqsh", "oci:" + Harness.require("oci/debian")).status, 0)
        let r = try Harness.vessel("exec", dir + "/debian.sqsh", "python3", "-c", "import sys; print(sys.version_info[:2])")
        XCTAssertEqual(r.stdout, "(3, 11)\n", r.stderr)
        // find links libselinux as well as libc: the loader must see two files.
        let find = try Harness.vessel("exec", dir + "/debian.sqsh", "find", "/etc/apt", "-maxdepth", "0")
        XCTAssertEqual(find.stdout, "/etc/apt\n", find.stderr)
    }

    /// In a writable container, as root inside, dpkg installs a package whose directories go
    /// into the image's (lower) ones and whose files belong to another user (uid 42): dpkg
    /// renames each new directory into place, which the kernel's overlay in a user namespace
    /// refuses (EXDEV; fuse-overlayfs, which writable roots use, does not), and chowns each file,
    /// which needs subordinate ids; without them the chown family is faked (seccomp), as under
    /// Enroot and Pyxis, and the file stays root's inside.
    func testDpkgInstallsInAWritableContainerWithAndWithoutSubordinateIDs() throws {
        guard Harness.isRoot, Harness.testUser != nil else { throw Harness.skip("building the package's uid-42 file and renaming newuidmap aside need root") }
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/debian.sqsh", "oci:" + Harness.require("oci/debian")).status, 0)
        let tree = dir + "/pkg"
        for (path, text) in ["DEBIAN/control": "Package: vessel-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: Vessel tests <tests@localhost>\nDescription: probe\n",
                             "etc/vessel-probe/probe.conf": "conf\n",
                             "usr/share/doc/base-files/probe/notes": "notes\n",
                             "usr/lib/python3/dist-packages/vessel_probe/__init__.py": "VALUE = 42\n",
                             "var/lib/vessel-probe/state": "state\n"] {
            try FileManager.default.createDirectory(atPath: (tree + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: tree + "/" + path, atomically: true, encoding: .utf8)
        }
        try Harness.run(["chown", "-R", "42:42", tree + "/var/lib/vessel-probe"])
        XCTAssertEqual(try Harness.run(["dpkg-deb", "-b", tree, dir + "/probe.deb"]).status, 0)
        try Harness.run(["chmod", "-R", "a+rX", dir])
        func install() throws -> Harness.Result {
            try Harness.vessel("exec", "--fakeroot", "--writable-tmpfs", dir + "/debian.sqsh", "sh", "-c",
                               "dpkg -i \(dir)/probe.deb >/dev/null && cat /etc/vessel-probe/probe.conf /usr/share/doc/base-files/probe/notes && python3 -c 'import vessel_probe; print(vessel_probe.VALUE)' && stat -c %u /var/lib/vessel-probe/state && dpkg -s vessel-probe | grep Status")
        }
        let mapped = try install()
        XCTAssertEqual(mapped.stdout, "conf\nnotes\n42\n42\nStatus: install ok installed\n", mapped.stderr)
        let tool = "/usr/bin/newuidmap", aside = "/usr/bin/newuidmap.vessel-test-aside"
        XCTAssertEqual(rename(tool, aside), 0)
        defer { rename(aside, tool) }
        let faked = try install()
        XCTAssertEqual(faked.stdout, "conf\nnotes\n42\n0\nStatus: install ok installed\n", faked.stderr)
    }

    /// In a writable container, as root inside, pip installs a local wheel into the image's
    /// virtual environment, with and without subordinate ids; in a kept overlay it is still
    /// there at the next start, and --save makes an image that has it.
    func testPipInstallsALocalWheelWithAndWithoutSubordinateIDs() throws {
        guard Harness.isRoot, Harness.testUser != nil else { throw Harness.skip("renaming newuidmap aside needs root") }
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/ml.sqsh", "oci:" + Harness.require("oci/ml")).status, 0)
        let wheel = dir + "/vessel_wheel-1.0-py3-none-any.whl"
        XCTAssertEqual(try Harness.run(["python3", "-c", Self.makeWheel, wheel]).status, 0)
        try Harness.run(["chmod", "-R", "a+rwX", dir])
        let use = "python3 -c 'import vessel_wheel; print(vessel_wheel.VALUE)'"
        func install(_ extra: [String]) throws -> Harness.Result {
            try Harness.run([Harness.vessel, "exec", "--fakeroot"] + extra + [dir + "/ml.sqsh", "sh", "-c",
                             "pip install -q --no-index --no-deps \(wheel) 2>&1 | grep -v 'root user' ; \(use)"], asTestUser: true)
        }
        let mapped = try install(["--writable-tmpfs"])
        XCTAssertEqual(mapped.stdout, "7\n", mapped.stderr)
        let kept = try install(["--overlay", dir + "/kept"])
        XCTAssertEqual(kept.stdout, "7\n", kept.stderr)
        let again = try Harness.run([Harness.vessel, "exec", "--overlay", dir + "/kept", "--save", dir + "/with-wheel.sqsh", dir + "/ml.sqsh", "sh", "-c", use],
                                    asTestUser: true)
        XCTAssertEqual(again.stdout, "7\n", again.stderr)
        let saved = try Harness.vessel("exec", dir + "/with-wheel.sqsh", "sh", "-c", use)
        XCTAssertEqual(saved.stdout, "7\n", saved.stderr)
        let tool = "/usr/bin/newuidmap", aside = "/usr/bin/newuidmap.vessel-test-aside"
        XCTAssertEqual(rename(tool, aside), 0)
        defer { rename(aside, tool) }
        let faked = try install(["--writable-tmpfs"])
        XCTAssertEqual(faked.stdout, "7\n", faked.stderr)
    }

    /// A pure-Python wheel (PEP 427), made with the standard library only.
    static let makeWheel = """
        import base64, hashlib, sys, zipfile
        files = {"vessel_wheel/__init__.py": b"VALUE = 7\\n",
                 "vessel_wheel-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: vessel-wheel\\nVersion: 1.0\\n",
                 "vessel_wheel-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: vessel-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
        record = "".join("%s,sha256=%s,%d\\n" % (n, base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode(), len(b)) for n, b in files.items())
        files["vessel_wheel-1.0.dist-info/RECORD"] = (record + "vessel_wheel-1.0.dist-info/RECORD,,\\n").encode()
        with zipfile.ZipFile(sys.argv[1], "w") as z:
            for n, b in files.items(): z.writestr(n, b)
        """

    func testMLImportsNumpyAndScipy() throws {
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/ml.sqsh", "oci:" + Harness.require("oci/ml")).status, 0)
        let r = try Harness.vessel("exec", dir + "/ml.sqsh", "python3", "-c",
                                   "import numpy, scipy.linalg; a = numpy.array([[4.0, 1.0], [1.0, 3.0]]); print(round(float(scipy.linalg.det(a)), 6))")
        XCTAssertEqual(r.stdout, "11.0\n", r.stderr)
        let run = try Harness.vessel("run", dir + "/ml.sqsh")
        XCTAssertTrue(run.stdout.hasSuffix("score 0.995\n"), run.stdout + run.stderr)

        // Eight readers at once through the multi-threaded FUSE server get every byte right.
        let list = "find opt/venv -type f -print0 | sort -z | xargs -0 -P 8 -n 100 sha256sum | sort -k2"
        let inside = try Harness.vessel("exec", dir + "/ml.sqsh", "sh", "-c", "cd / && " + list)
        let reference = try Harness.run(["sh", "-c", "cd \(try Harness.require("expected/ml/rootfs")) && " + list])
        XCTAssertEqual(inside.stdout.count, reference.stdout.count, inside.stderr)
        XCTAssertTrue(inside.stdout == reference.stdout, "file contents differ under concurrent reads")
    }
}

/// With --nv, a program in the image loads the (stand-in) driver library by its soname.
final class LargeImageGPUTests: XCTestCase {
    func testPythonLoadsLibcuda() throws {
        guard FileManager.default.fileExists(atPath: "/usr/local/lib/vessel-test-nvidia/libcuda.so.1") else {
            throw Harness.skip("stand-in NVIDIA driver missing: run scripts/test as root")
        }
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/debian.sqsh", "oci:" + Harness.require("oci/debian")).status, 0)
        let code = "import ctypes; v = ctypes.c_int(); cuda = ctypes.CDLL('libcuda.so.1'); cuda.cuDriverGetVersion(ctypes.byref(v)); print(v.value)"
        let r = try Harness.vessel("exec", "--nv", dir + "/debian.sqsh", "python3", "-c", code)
        XCTAssertEqual(r.stdout, "12040\n", r.stderr)
    }
}

/// The Debian and ML images pulled from the test registry: byte for byte what `vessel build`
/// makes from the same image's OCI layout.
final class LargeImageRegistryTests: XCTestCase {
    func testDebianPulledEqualsLayoutBuild() throws { try pulledEqualsLayout("debian") }

    func testMLPulledEqualsLayoutBuild() throws { try pulledEqualsLayout("ml") }

    private func pulledEqualsLayout(_ name: String) throws {
        guard let registry = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry: run scripts/test") }
        let layout = try Harness.require("oci/\(name)")
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let built = try Harness.vessel("build", "-q", dir + "/layout.sqsh", "oci:\(layout):latest")
        XCTAssertEqual(built.status, 0, built.stderr)
        let pulled = try Harness.vessel("pull", "-q", "\(registry)/corpus/\(name):latest", dir + "/pulled.sqsh",
                                        environment: ["VESSEL_CACHE": dir + "/cache"])
        XCTAssertEqual(pulled.status, 0, pulled.stderr)
        XCTAssertEqual(try Harness.sha256(dir + "/pulled.sqsh"), try Harness.sha256(dir + "/layout.sqsh"))
    }
}

/// Other runtimes on Vessel's images: Charliecloud's ch-run sees the image's environment (from
/// /ch/environment) and runs its command (/.singularity.d/runscript, Entrypoint + Cmd).
final class LargeImageCompatTests: XCTestCase {
    func testChRunSeesTheEnvironmentAndCommand() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ch-run") else { throw Harness.skip("charliecloud is not installed") }
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = dir + "/ml.sqsh"
        XCTAssertEqual(try Harness.vessel("build", "-q", image, "oci:" + Harness.require("oci/ml")).status, 0)
        let show = "env | grep -v -E '^(HOME|USER|LOGNAME|TERM|LANG|PWD|SHLVL|_|CH_RUNNING|VESSEL_.*|container)=' | sort"
        let ch = try Harness.run(["env", "-i", "HOME=/tmp", "USER=x", "ch-run", "--set-env", image, "--", "sh", "-c", show], asTestUser: true)
        let vessel = try Harness.vessel("exec", "--cleanenv", image, "sh", "-c", show)
        XCTAssertEqual(ch.stdout, vessel.stdout, ch.stderr)
        XCTAssertTrue(vessel.stdout.contains("PATH="), vessel.stdout)
        let run = try Harness.run(["ch-run", "--set-env", image, "--", "/.singularity.d/runscript"], asTestUser: true)
        XCTAssertTrue(run.stdout.contains("score 0.995"), run.stdout + run.stderr)
        // vessel diff: what the ML layers add to the Debian image.
        XCTAssertEqual(try Harness.vessel("build", "-q", dir + "/debian.sqsh", "oci:" + Harness.require("oci/debian")).status, 0)
        let diff = try Harness.vessel("diff", dir + "/debian.sqsh", image)
        XCTAssertTrue(diff.stdout.contains("+ /opt/train.py  "), String(diff.stdout.prefix(500)))
        XCTAssertTrue(diff.stdout.contains("+ /opt/venv/bin/python3  "))
        XCTAssertFalse(diff.stdout.contains("\n- "), "the ML image removes nothing of Debian's")
        // Switchable: --no-compat leaves the files out.
        XCTAssertEqual(try Harness.vessel("build", "-q", "--no-compat", dir + "/plain.sqsh", "oci:" + Harness.require("oci/tiny")).status, 0)
        XCTAssertEqual(try Harness.run(["unsquashfs", "-l", dir + "/plain.sqsh", "/ch"]).stdout.contains("/ch/"), false)
    }
}
