import Foundation
@testable import VesselRuntime
import XCTest

final class BindSpecTests: XCTestCase {
    func testForms() throws {
        XCTAssertEqual(try BindSpec.parse("/data"), BindSpec(source: "/data", destination: "/data", readOnly: false))
        XCTAssertEqual(try BindSpec.parse("/data:/mnt"), BindSpec(source: "/data", destination: "/mnt", readOnly: false))
        XCTAssertEqual(try BindSpec.parse("/data:/mnt:ro"), BindSpec(source: "/data", destination: "/mnt", readOnly: true))
        XCTAssertEqual(try BindSpec.parse("/data::ro"), BindSpec(source: "/data", destination: "/data", readOnly: true))
        XCTAssertThrowsError(try BindSpec.parse("/data:mnt")) { XCTAssertTrue("\($0)".contains("absolute")) }
        XCTAssertThrowsError(try BindSpec.parse("/data:/mnt:rx")) { XCTAssertTrue("\($0)".contains("ro or rw")) }
        XCTAssertThrowsError(try BindSpec.parse(":/mnt"))
        XCTAssertEqual(try BindSpec.parse("/data:/mnt:ro+rbind"), BindSpec(source: "/data", destination: "/mnt", readOnly: true))
        XCTAssertEqual(try BindSpec.parse("./data:/mnt", pathSource: true).source, "./data")
        XCTAssertThrowsError(try BindSpec.parse("data:/mnt", pathSource: true))
        XCTAssertThrowsError(try BindSpec.parse("/data:")) { XCTAssertTrue("\($0)".contains("empty destination")) }
        XCTAssertThrowsError(try BindSpec.parseList("/a:/b,")) { XCTAssertTrue("\($0)".contains("each mount")) }
        XCTAssertEqual(try BindSpec.parse("tmpfs:/scratch:size=1M+mode=0700").kind, .tmpfs(options: ["size=1M", "mode=0700"]))
        XCTAssertEqual(try BindSpec.parse("umount:/tmp", pathSource: true).kind, .umount)
        XCTAssertEqual(try BindSpec.parse("tmpfs:/s:ro+size=1M").text, "tmpfs:/s:ro+size=1M")
        for bad in ["tmpfs:rel", "tmpfs:/x:exec", "umount:/tmp:ro", "umount"] { XCTAssertThrowsError(try BindSpec.parse(bad), bad) }
    }
}

final class EnvironmentPlanTests: XCTestCase {
    let host = ["HOME": "/home/ada", "USER": "ada", "PATH": "/host/bin", "LD_LIBRARY_PATH": "/host/lib",
                "SLURM_JOB_ID": "42", "GREETING": "host", "BASH_FUNC_x%%": "() { :; }", "TERM": "xterm"]

    func testHostImageFileAndOptionsInOrder() throws {
        let file = NSTemporaryDirectory() + "env-\(UUID().uuidString)"
        try "# comment\nexport FROM_FILE='one'\nGREETING=file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let env = try EnvironmentPlan(host: host, image: ["PATH=/image/bin", "GREETING=image"], envFiles: [file],
                                      env: ["A=1"], cleanEnv: false, home: "/home/ada")
        XCTAssertEqual(env["PATH"], "/image/bin", "PATH is the image's")
        XCTAssertNil(env["LD_LIBRARY_PATH"], "the host's libraries are not inside")
        XCTAssertNil(env["BASH_FUNC_x%%"])
        XCTAssertEqual(env["SLURM_JOB_ID"], "42", "host variables pass")
        XCTAssertEqual(env["GREETING"], "file", "the env file wins over the image")
        XCTAssertEqual(env["FROM_FILE"], "one")
        XCTAssertEqual(env["A"], "1")
    }

    func testCleanEnvAndDefaultPath() throws {
        let env = try EnvironmentPlan(host: host, image: [], envFiles: [], env: [], cleanEnv: true, home: "/home/ada")
        XCTAssertEqual(Set(env.variables.map(\.0)), ["HOME", "USER", "TERM", "PATH"])
        XCTAssertEqual(env["PATH"], EnvironmentPlan.defaultPath)
    }

    func testBadInput() {
        XCTAssertThrowsError(try EnvironmentPlan(host: [:], image: [], envFiles: [], env: ["NOVALUE"], cleanEnv: false, home: "/"))
        XCTAssertThrowsError(try EnvironmentPlan(host: [:], image: [], envFiles: ["/no/such/file"], env: [], cleanEnv: false, home: "/"))
    }
}

final class MountPlanTests: XCTestCase {
    private func host(cwd: String) -> HostContext {
        HostContext(uid: 1000, gid: 1000, userName: "ada", gecos: "", home: NSTemporaryDirectory(), shell: "/bin/sh",
                    groupName: "ada", cwd: cwd, environment: [:])
    }

    func testDefaults() throws {
        let plan = try MountPlan(spec: ContainerSpec(image: "x", mode: .exec, arguments: ["true"]), host: host(cwd: "/srv"))
        XCTAssertEqual(plan.steps.map(\.target), ["/proc", "/sys", "/dev", "/tmp", "/var/tmp", NSTemporaryDirectory(), "/srv"])
        XCTAssertTrue(plan.exposes("/srv/sub"))
        XCTAssertFalse(plan.exposes("/etc"))
    }

    func testContainAndSystemPaths() throws {
        var spec = ContainerSpec(image: "x", mode: .exec, arguments: ["true"])
        spec.contain = true
        let contained = try MountPlan(spec: spec, host: host(cwd: "/srv"))
        XCTAssertEqual(contained.steps.map(\.target), ["/proc", "/sys", "/dev", "/tmp", "/var/tmp"])
        XCTAssertEqual(contained.steps[3].kind, .tmpfs())
        let inUsr = try MountPlan(spec: ContainerSpec(image: "x", mode: .exec, arguments: []), host: host(cwd: "/usr/lib"))
        XCTAssertFalse(inUsr.steps.contains { $0.target == "/usr/lib" }, "the image's /usr is not covered by the host's")
    }

    /// An MPI task's PMIx server directory is bound at its own path, last, when the container
    /// does not show it already (a private /tmp, a spool the image does not have).
    func testPMIxDirectoriesAreBoundWhereTheContainerHidesThem() throws {
        let spool = NSTemporaryDirectory() + "pmix-plan-\(getpid())"
        try FileManager.default.createDirectory(atPath: spool + "/dstore", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: spool) }
        var h = host(cwd: "/")
        h.environment = ["PMIX_SERVER_TMPDIR": spool + "/", "PMIX_DSTORE_21_BASE_PATH": spool + "/dstore",
                         "PMIX_SYSTEM_TMPDIR": "/tmp", "PMIX_DSTORE_ESH_BASE_PATH": "/no/such/dir"]
        var spec = ContainerSpec(image: "x", mode: .exec, arguments: ["true"])
        spec.contain = true
        spec.binds = [BindSpec(source: "", destination: "/scratch", readOnly: false, kind: .tmpfs(options: []))]
        let contained = try MountPlan(spec: spec, host: h)
        XCTAssertEqual(contained.steps.map(\.target), ["/proc", "/sys", "/dev", "/tmp", "/var/tmp", "/scratch", spool])
        XCTAssertEqual(contained.steps.last?.kind, .bind(source: spool, recursive: true, readOnly: false))
        // /tmp (NSTemporaryDirectory's top, here) bound from the host already shows it.
        let shown = try MountPlan(spec: ContainerSpec(image: "x", mode: .exec, arguments: ["true"]), host: h)
        XCTAssertEqual(shown.steps.filter { $0.target == spool }.count, spool.hasPrefix("/tmp/") ? 0 : 1)
    }

    func testMissingBindSourceIsAnError() {
        var spec = ContainerSpec(image: "x", mode: .exec, arguments: [])
        spec.binds = [BindSpec(source: "/no/such/dir", destination: "/d", readOnly: true)]
        XCTAssertThrowsError(try MountPlan(spec: spec, host: host(cwd: "/"))) { e in
            XCTAssertEqual("\(e)", "--bind /no/such/dir: the source does not exist")
        }
    }
}

final class GPUPlanTests: XCTestCase {
    func testListFormatAndBuiltInList() {
        XCTAssertEqual(GPUPlan.names(from: "# c\nnvidia-smi\n\n  libcuda.so  \n"), ["nvidia-smi", "libcuda.so"])
        XCTAssertTrue(GPUPlan.builtIn.contains("libnvidia-ml.so"))
        XCTAssertEqual(Set(GPUPlan.builtIn).count, GPUPlan.builtIn.count)
    }

    /// The machine's own ld.so cache: libc is always in it.
    func testLdSoCacheReadsThisMachinesCache() {
        let cache = LdSoCache()
        XCTAssertFalse(cache.find("libc.so").isEmpty, "libc.so.6 should be in /etc/ld.so.cache")
        XCTAssertTrue(cache.find("libc.so").allSatisfy { $0.soname.hasPrefix("libc.so") && $0.path.hasPrefix("/") })
        XCTAssertTrue(LdSoCache(path: "/nonexistent").libraries.isEmpty)
    }

    func testVisibleDevicesFromSlurm() throws {
        let plan = GPUPlan(names: [], cache: LdSoCache(path: "/nonexistent"), hostPath: "")
        let base = try EnvironmentPlan(host: [:], image: [], envFiles: [], env: [], cleanEnv: false, home: "/")
        XCTAssertEqual(plan.environment(host: ["SLURM_JOB_GPUS": "1,3"], image: base)["CUDA_VISIBLE_DEVICES"], "1,3")
        XCTAssertEqual(plan.environment(host: ["CUDA_VISIBLE_DEVICES": "0", "SLURM_JOB_GPUS": "1"], image: base)["CUDA_VISIBLE_DEVICES"], "0")
        XCTAssertNil(plan.environment(host: ["NVIDIA_VISIBLE_DEVICES": "all"], image: base)["CUDA_VISIBLE_DEVICES"])
        XCTAssertEqual(plan.environment(host: [:], image: base)["LD_LIBRARY_PATH"], GPUPlan.libraryDirectory)
    }
}

final class ImageUserTests: XCTestCase {
    func testForms() {
        let numeric = ImageUser("1000:100")
        XCTAssertEqual(numeric.uid, 1000)
        XCTAssertEqual(numeric.gid, 100)
        XCTAssertNil(ImageUser("app").uid)
        XCTAssertEqual(ImageUser("1000").uid, 1000)
        XCTAssertNil(ImageUser("1000").gid)
    }
}
