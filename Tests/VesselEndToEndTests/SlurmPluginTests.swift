import Foundation
import VesselWire
import XCTest

/// The SPANK plugin on the real test cluster (scripts/test installs it through plugstack.conf),
/// jobs submitted by the unprivileged job user.
final class SlurmPluginTests: XCTestCase {
    private var job: SlurmJobUser!
    private var user: String { job.name }
    private var dir: String { job.dir }
    private var image: String { job.image }

    override func setUpWithError() throws {
        job = try SlurmJobUser(directoryIn: NSTemporaryDirectory(), prefix: "vessel-spank")
    }

    override func tearDownWithError() throws { job?.remove() }

    private func asUser(_ args: [String], env: [String: String] = [:]) throws -> Harness.Result {
        try job.run(args, env: env)
    }

    private func srun(_ args: String..., env: [String: String] = [:]) throws -> Harness.Result {
        try asUser(["srun"] + args, env: env)
    }

    private func sbatch(_ script: String, options: [String] = []) throws -> (Harness.Result, String) {
        let path = dir + "/job-\(UInt32.random(in: 0...UInt32.max)).sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", path])
        let out = path + ".out"
        let r = try asUser(["sbatch", "--wait", "-o", out] + options + [path])
        return (r, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    private let inImage = "head -1 /etc/os-release"
    private let imageName = "NAME=\"corpus-tiny\""

    func testSrunOnEachPartition() throws {
        for partition in ["cpu", "gpu-a100", "gpu-v100"] {
            let r = try srun("-p", partition, "--container-image=\(image)", "sh", "-c", inImage)
            XCTAssertEqual(r.status, 0, "\(partition): \(r.stderr)")
            XCTAssertEqual(r.stdout, imageName + "\n", partition)
        }
    }

    /// srun lists each plugin option of the table (VesselWire's ContainerOption), with its help.
    func testSrunListsEveryPluginOptionOfTheTable() throws {
        let help = try asUser(["srun", "--help"]).stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        for option in ContainerOption.pluginOptions {
            let s = option.plugin!
            XCTAssertTrue(help.contains("--" + s.long + (s.valueName.map { "=" + $0 } ?? "")), "srun --help lacks --\(s.long)")
            XCTAssertTrue(help.contains(s.help), "srun --help lacks the table's help for --\(s.long)")
        }
    }

    /// Each option's environment twins (VESSEL_CONTAINER_*, and Pyxis's PYXIS_CONTAINER_* for
    /// scripts written for it) act as the option when it is not on the command line.
    func testEnvironmentTwinsActAsTheirOptions() throws {
        for variable in ["PYXIS_CONTAINER_IMAGE", "VESSEL_CONTAINER_IMAGE"] {
            let r = try srun("-p", "cpu", "sh", "-c", inImage, env: [variable: image])
            XCTAssertEqual(r.stdout, imageName + "\n", "\(variable): \(r.stderr)")
        }
        // The command line wins; VESSEL_ before PYXIS_.
        let cli = try srun("-p", "cpu", "--container-image=\(image)", "sh", "-c", inImage, env: ["PYXIS_CONTAINER_IMAGE": dir + "/none.sqsh"])
        XCTAssertEqual(cli.stdout, imageName + "\n", cli.stderr)
        let order = try srun("-p", "cpu", "sh", "-c", "pwd", env: ["PYXIS_CONTAINER_IMAGE": image, "VESSEL_CONTAINER_WORKDIR": "/srv", "PYXIS_CONTAINER_WORKDIR": "/tmp"])
        XCTAssertEqual(order.stdout, "/srv\n", order.stderr)
        // Booleans, and the rest through sbatch with #SBATCH-free scripts.
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try "input\n".write(toFile: dir + "/data/in.txt", atomically: true, encoding: .utf8)
        try Harness.run(["chown", "-R", user, dir])
        let home = try XCTUnwrap(getpwnam(user).map { String(cString: $0.pointee.pw_dir) })
        let flags = try srun("-p", "cpu", "sh", "-c", "id -u; touch /x && echo wrote; cat /data/in.txt; test -d \(home) && echo home || echo no-home",
                             env: ["PYXIS_CONTAINER_IMAGE": image, "PYXIS_CONTAINER_REMAP_ROOT": "1", "PYXIS_CONTAINER_WRITABLE": "yes",
                                   "PYXIS_CONTAINER_MOUNTS": "\(dir)/data:/data:ro", "PYXIS_CONTAINER_MOUNT_HOME": "0"])
        XCTAssertEqual(flags.stdout, "0\nwrote\ninput\nno-home\n", flags.stderr)
        let (batch, out) = try sbatchWithEnvironment("#!/bin/sh\n#SBATCH -p cpu\necho \"batch $(\(inImage))\"\n", env: ["PYXIS_CONTAINER_IMAGE": image])
        XCTAssertEqual(batch.status, 0, batch.stderr + out)
        XCTAssertEqual(out, "batch \(imageName)\n")
        // A bad value stops the step before it starts, in one line naming the variable.
        let bad = try srun("-p", "cpu", "true", env: ["PYXIS_CONTAINER_IMAGE": image, "PYXIS_CONTAINER_MOUNTS": "/tmp:"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("vessel: PYXIS_CONTAINER_MOUNTS=/tmp:: an empty destination after /tmp:"), bad.stderr)
        let badBool = try srun("-p", "cpu", "true", env: ["PYXIS_CONTAINER_IMAGE": image, "PYXIS_CONTAINER_WRITABLE": "maybe"])
        XCTAssertNotEqual(badBool.status, 0)
        XCTAssertTrue(badBool.stderr.contains("vessel: PYXIS_CONTAINER_WRITABLE=maybe: takes 1 or 0"), badBool.stderr)
    }

    /// sbatch --wait of a script, with variables in sbatch's environment.
    private func sbatchWithEnvironment(_ script: String, env: [String: String]) throws -> (Harness.Result, String) {
        let path = dir + "/job-\(UInt32.random(in: 0...UInt32.max)).sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", path])
        let out = path + ".out"
        let r = try asUser(["sbatch", "--wait", "-o", out, path], env: env)
        return (r, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func testAJobWithoutContainerOptionsIsUntouched() throws {
        let r = try srun("-p", "cpu", "sh", "-c", "test -e /.vessel && echo container || echo host; echo ${VESSEL_CONTAINER:-none}")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "host\nnone\n")
    }

    func testBatchScriptRunsInTheImageAndItsSrunToo() throws {
        let (r, out) = try sbatch("""
            #!/bin/sh
            #SBATCH --container-image=\(image)
            #SBATCH -p cpu -n 3
            echo "batch $(\(inImage)) GREETING=$GREETING"
            srun sh -c 'echo "task $SLURM_PROCID $(\(inImage)) $(readlink /proc/self/ns/user)"' | sort
            """)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr + out)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "batch \(imageName) GREETING=hello", out)
        let tasks = lines.dropFirst()
        XCTAssertEqual(tasks.count, 3, out)
        for (i, line) in tasks.enumerated() { XCTAssertTrue(line.hasPrefix("task \(i) \(imageName) user:["), line) }
        XCTAssertEqual(Set(tasks.map { $0.split(separator: " ").last! }).count, 1, "the step's tasks share one user namespace")
    }

    func testTwoNodeGPUStepSeesItsAllocation() throws {
        let r = try srun("-p", "gpu-v100", "-N2", "--gpus-per-node=2", "--container-image=\(image)", "sh", "-c",
                         "echo $SLURMD_NODENAME CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES $(ls /usr/local/nvidia/lib64 | head -1) $(\(inImage))")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(lines, ["v100-1 CUDA_VISIBLE_DEVICES=0,1 libcuda.so.1 \(imageName)", "v100-2 CUDA_VISIBLE_DEVICES=0,1 libcuda.so.1 \(imageName)"])
    }

    func testMountsWorkdirEnvWritableAndRemapRoot() throws {
        for d in ["data", "out"] { try FileManager.default.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true) }
        try "input\n".write(toFile: dir + "/data/in.txt", atomically: true, encoding: .utf8)
        try Harness.run(["chown", "-R", user, dir])
        let r = try srun("-p", "cpu", "--container-image=\(image)", "--container-mounts=\(dir)/data:/data:ro,\(dir)/out:/results",
                         "--container-workdir=/data", "--container-env=GREETING", "sh", "-c",
                         "pwd; cat in.txt; touch /data/new 2>/dev/null || echo read-only; echo done > /results/r.txt; echo GREETING=$GREETING; touch /x 2>/dev/null || echo root-read-only",
                         env: ["GREETING": "from-the-job"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "/data\ninput\nread-only\nGREETING=from-the-job\nroot-read-only\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/r.txt", encoding: .utf8), "done\n")
        let root = try srun("-p", "cpu", "--container-image=\(image)", "--container-remap-root", "--container-writable",
                            "sh", "-c", "id -u; touch /x && echo wrote")
        XCTAssertEqual(root.stdout, "0\nwrote\n", root.stderr)
        // Namespaces of its own: every task of the step sees the container's, not the host's.
        let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let unshared = try srun("-p", "cpu", "-n", "2", "--container-image=\(image)", "--container-unshare=net,uts", "sh", "-c",
                                "echo $(grep -c : /proc/self/net/dev) $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/uts)")
        let lines = unshared.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, unshared.stderr)
        XCTAssertEqual(Set(lines).count, 1, "the tasks share the container's namespaces: \(unshared.stdout)")
        XCTAssertEqual(lines.first?.split(separator: " ").first, "1", "only loopback in the container's network namespace")
        XCTAssertNotEqual(lines.first.map { String($0.split(separator: " ")[1]) }, hostNet, "not the host's network namespace")
        let rootHome = try srun("-p", "cpu", "--container-image=\(image)", "--container-remap-root", "sh", "-c", "echo $HOME")
        XCTAssertEqual(rootHome.stdout, "/root\n", rootHome.stderr)
        let marker = "/tmp/vessel-plugin-umount-\(getpid())"
        FileManager.default.createFile(atPath: marker, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let special = try srun("-p", "cpu", "--container-image=\(image)", "--container-mounts=tmpfs:/scratch:size=1M,umount:/tmp", "sh", "-c",
                               "touch /scratch/x && echo scratch; test -e \(marker) && echo host-tmp || echo no-host-tmp")
        XCTAssertEqual(special.stdout, "scratch\nno-host-tmp\n", special.stderr)
        // A source relative to the job's directory, and Pyxis's flags joined with +.
        let relative = try srun("-p", "cpu", "--container-image=\(image)", "--container-mounts=./data:/d:ro+rbind", "sh", "-c",
                                "cat /d/in.txt; touch /d/x 2>/dev/null || echo read-only")
        XCTAssertEqual(relative.stdout, "input\nread-only\n", relative.stderr)
        let entry = try srun("-p", "cpu", "--container-image=\(image)", "--container-entrypoint", "there")
        XCTAssertEqual(entry.stdout.split(separator: "\n").first, "hello there", entry.stderr)
    }

    /// The site's defaults (plugstack.conf writable=, remap-root=, execute-entrypoint=, or
    /// Pyxis's remap_root=, execute_entrypoint=) and the options that turn each back.
    func testSiteDefaultsAndTheOptionsThatTurnThemBack() throws {
        let conf = Harness.env["SLURM_TEST_PLUGSTACK_DIR"]! + "/vessel.conf"
        let original = try String(contentsOfFile: conf, encoding: .utf8)
        defer { try? original.write(toFile: conf, atomically: true, encoding: .utf8) }
        try (original.trimmingCharacters(in: .newlines) + " writable=yes remap_root=yes execute_entrypoint=yes\n")
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let show = "id -u; touch /x 2>/dev/null && echo writable || echo read-only"
        let defaults = try srun("-p", "cpu", "--container-image=\(image)", "there")
        XCTAssertEqual(defaults.stdout.split(separator: "\n").first, "hello there", defaults.stderr)
        let writable = try srun("-p", "cpu", "--container-image=\(image)", "--no-container-entrypoint", "sh", "-c", show)
        XCTAssertEqual(writable.stdout, "0\nwritable\n", writable.stderr)
        let back = try srun("-p", "cpu", "--container-image=\(image)", "--no-container-entrypoint", "--container-readonly",
                            "--no-container-remap-root", "sh", "-c", show)
        XCTAssertEqual(back.stdout, "\(try XCTUnwrap(getpwnam(user)).pointee.pw_uid)\nread-only\n", back.stderr)
        // Their twins too: 0 takes the opposite.
        let twins = try srun("-p", "cpu", "sh", "-c", show, env: ["PYXIS_CONTAINER_IMAGE": image, "PYXIS_CONTAINER_ENTRYPOINT": "0",
                                                                  "PYXIS_CONTAINER_READONLY": "1", "PYXIS_CONTAINER_REMAP_ROOT": "false"])
        XCTAssertEqual(twins.stdout, "\(try XCTUnwrap(getpwnam(user)).pointee.pw_uid)\nread-only\n", twins.stderr)
    }

    /// Pyxis's working directory: the image's WorkingDir (the tiny image's /srv/app) before the
    /// job's; a relative --container-workdir starts from it; a missing one fails the step, named.
    func testTheWorkingDirectoryFollowsPyxis() throws {
        let start = try srun("-p", "cpu", "--container-image=\(image)", "pwd")
        XCTAssertEqual(start.stdout, "/srv/app\n", start.stderr)
        let up = try srun("-p", "cpu", "--container-image=\(image)", "--container-workdir=../", "pwd")
        XCTAssertEqual(up.stdout, "/srv\n", up.stderr)
        let missing = try srun("-p", "cpu", "--container-image=\(image)", "--container-workdir=/pyxis", "true")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--container-workdir=/pyxis: No such file or directory in the container"), missing.stderr)
    }

    /// A remapped root chowns for real with subordinate ids, and without them the chown family
    /// is faked in each task, as under Pyxis (package managers chown what they install).
    func testRemappedRootChownsWithAndWithoutSubordinateIDs() throws {
        let show = "touch /probe && chown 42:42 /probe && stat -c %u /probe"
        let mapped = try srun("-p", "cpu", "--container-image=\(image)", "--container-remap-root", "--container-writable", "sh", "-c", show)
        XCTAssertEqual(mapped.stdout, "42\n", mapped.stderr)
        let tool = "/usr/bin/newuidmap", aside = "/usr/bin/newuidmap.vessel-test-aside"
        XCTAssertEqual(rename(tool, aside), 0)
        defer { rename(aside, tool) }
        let faked = try srun("-p", "cpu", "--container-image=\(image)", "--container-remap-root", "--container-writable", "sh", "-c", show)
        XCTAssertEqual(faked.stdout, "0\n", faked.stderr)
    }

    func testSallocStepsRunInTheImage() throws {
        let r = try asUser(["salloc", "-p", "cpu", "--container-image=\(image)", "srun", "sh", "-c", inImage])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, imageName + "\n", r.stderr)
    }

    /// plugstack.conf arguments: default mounts, and $HOME not bound unless asked for.
    func testSiteArguments() throws {
        let conf = Harness.env["SLURM_TEST_PLUGSTACK_DIR"]! + "/vessel.conf"
        let original = try String(contentsOfFile: conf, encoding: .utf8)
        defer { try? original.write(toFile: conf, atomically: true, encoding: .utf8) }
        try FileManager.default.createDirectory(atPath: dir + "/site", withIntermediateDirectories: true)
        try "site\n".write(toFile: dir + "/site/file", atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "-R", "a+rX", dir + "/site"])
        try (original.trimmingCharacters(in: .newlines) + " mount-home=no mounts=\(dir)/site:/site:ro\n")
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let home = try XCTUnwrap(getpwnam(user).map { String(cString: $0.pointee.pw_dir) })
        let r = try srun("-p", "cpu", "--container-image=\(image)", "sh", "-c", "cat /site/file; test -d \(home) && echo home || echo no-home")
        XCTAssertEqual(r.stdout, "site\nno-home\n", r.stderr)
        let asked = try srun("-p", "cpu", "--container-image=\(image)", "--container-mount-home", "sh", "-c", "test -d \(home) && echo home")
        XCTAssertEqual(asked.stdout, "home\n", asked.stderr)
        try (original.trimmingCharacters(in: .newlines) + " colour=blue\n").write(toFile: conf, atomically: true, encoding: .utf8)
        let bad = try srun("-p", "cpu", "true")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("vessel: plugstack.conf: unknown argument colour"), bad.stderr)
    }

    /// A helper that never announces the container (a hung file system, say) fails the step
    /// after plugstack.conf's start-timeout=, in one line, and is stopped: slurmstepd is not held.
    func testAHelperThatHangsFailsTheStepInTime() throws {
        let conf = Harness.env["SLURM_TEST_PLUGSTACK_DIR"]! + "/vessel.conf"
        let original = try String(contentsOfFile: conf, encoding: .utf8)
        defer { try? original.write(toFile: conf, atomically: true, encoding: .utf8) }
        let slow = dir + "/slow-vessel"
        try "#!/bin/sh\nif [ \"$1\" = spank-helper ]; then exec sleep 297; fi\nexec \(Harness.vessel) \"$@\"\n".write(toFile: slow, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", slow])
        try (original.trimmingCharacters(in: .newlines) + " runtime=\(slow) start-timeout=3\n").write(toFile: conf, atomically: true, encoding: .utf8)
        let started = Date()
        let r = try srun("-p", "cpu", "--container-image=\(image)", "echo", "ran")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.stdout.contains("ran"))
        XCTAssertTrue(r.stderr.contains("vessel: \(image): the container was not made within 3 s (plugstack.conf start-timeout=); its helper was stopped"), r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 120, "the step waited for the hung helper")
        XCTAssertNotEqual(try Harness.run(["pgrep", "-u", user, "-f", "sleep 297"]).status, 0, "the hung helper was left running")
    }

    /// require-signature in vessel.conf holds for jobs too: an unsigned image fails the step.
    func testTrustPolicyRefusesAnUnsignedImage() throws {
        let conf = dir + "/vessel.conf"
        try "require-signature = yes\n".write(toFile: conf, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "644", conf])
        let r = try srun("-p", "cpu", "--container-image=\(image)", "true", env: ["VESSEL_CONFIG": conf])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("vessel: \(image): not signed, and this site requires a signature from a trusted key"), r.stderr)
        // Signed with the job user's own key (trusted): it runs.
        let env = ["HOME": dir, "VESSEL_CONFIG": conf]
        XCTAssertEqual(try asUser([Harness.vessel, "key", "new", "--name", "jobuser"], env: env).status, 0)
        XCTAssertEqual(try asUser([Harness.vessel, "sign", image], env: env).status, 0)
        let signed = try srun("-p", "cpu", "--container-image=\(image)", "sh", "-c", inImage, env: env)
        XCTAssertEqual(signed.stdout, imageName + "\n", signed.stderr)
    }

    func testBadOptionsAreRejectedBeforeSubmission() throws {
        let cases: [([String], String)] = [
            (["--container-image=\(image)", "--container-mounts=relative:/x"], "--container-mounts=relative:/x: each mount is SRC[:DST[:FLAGS]], SRC an absolute path or one starting with ./ (relative:/x)"),
            (["--container-image=\(image)", "--container-mounts=/tmp:"], "--container-mounts=/tmp:: an empty destination after /tmp:"),
            (["--container-image=\(image)", "--container-mounts=/tmp:/t,"], "--container-mounts=/tmp:/t,: each mount is SRC[:DST[:FLAGS]]"),
            (["--container-image=\(image)", "--container-mounts=/tmp:/t:rx"], "--container-mounts=/tmp:/t:rx: the flag must be ro or rw"),
            (["--container-image=\(image)", "--container-env="], "--container-env=: an empty name"),
            (["--container-image=\(image)", "--container-env=FOO,"], "--container-env=FOO,: an empty name"),
            (["--container-image=\(image)", "--container-workdir="], "--container-workdir=: name a directory"),
            (["--container-image=\(image)", "--container-env=1BAD"], "--container-env=1BAD: 1BAD is not a variable name"),
            (["--container-mounts=/tmp:/tmp"], "container options need --container-image"),
        ]
        for (options, message) in cases {
            let r = try asUser(["srun", "-p", "cpu"] + options + ["true"])
            XCTAssertNotEqual(r.status, 0, options.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains("vessel: " + message), r.stderr)
            let script = dir + "/never.sh"
            try "#!/bin/sh\ntrue\n".write(toFile: script, atomically: true, encoding: .utf8)
            let b = try asUser(["sbatch", "-p", "cpu"] + options + [script])
            XCTAssertNotEqual(b.status, 0)
            XCTAssertFalse(b.stdout.contains("Submitted"), b.stdout)
            XCTAssertTrue(b.stderr.contains("vessel: " + message), b.stderr)
        }
    }

    func testImagesThatCannotBeFound() throws {
        // Not resolvable at submission: refused there, with the reason.
        let registry = try srun("-p", "cpu", "--container-image=docker://127.0.0.1:5100/corpus/nosuch", "true",
                                env: ["VESSEL_CACHE": dir + "/cache"])
        XCTAssertNotEqual(registry.status, 0)
        XCTAssertTrue(registry.stderr.contains("no such image in the registry (manifest unknown)"), registry.stderr)
        // A path that is missing on the node: the step fails with the reason in the job's stderr.
        let (_, out) = try sbatch("#!/bin/sh\n#SBATCH --container-image=\(dir)/gone.sqsh\n#SBATCH -p cpu\necho ran\n")
        XCTAssertTrue(out.hasPrefix("slurmstepd-cpu-1: error: vessel: \(dir)/gone.sqsh: no such image file\n"), out)
        // The image's absence is the job's failure, not the node's: the node stays in service.
        XCTAssertFalse(try Harness.run(["sinfo", "-h", "-n", "cpu-1", "-o", "%T"]).stdout.contains("drain"))
        XCTAssertFalse(out.contains("ran"), out)
    }

    func testRegistryImageIsResolvedAtSubmission() throws {
        guard let registry = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry") }
        let r = try srun("-p", "cpu", "--container-image=docker://\(registry)/corpus/tiny:latest", "sh", "-c",
                         "\(inImage); echo $VESSEL_SPANK_IMAGE_PATH", env: ["VESSEL_CACHE": dir + "/cache"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, imageName)
        XCTAssertTrue(lines.last?.hasPrefix(dir + "/cache/images/") ?? false, r.stdout)
    }

    /// --container-verbose (or its twin): the step log of making the container, once per node,
    /// on the first task's standard error; nothing without it.
    func testContainerVerboseShowsTheStepLogOnce() throws {
        let r = try srun("-p", "cpu", "-n", "3", "--container-verbose", "--container-image=\(image)", "true")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("vessel: ") && $0.contains(" ms  opened \(image)") }.count, 1, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("vessel: ") && $0.contains("image mounted at") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("vessel: ") && $0.contains("init started") }, r.stderr)
        let twin = try srun("-p", "cpu", "--container-image=\(image)", "true", env: ["VESSEL_CONTAINER_VERBOSE": "1"])
        XCTAssertTrue(twin.stderr.contains("image mounted at"), twin.stderr)
        let quiet = try srun("-p", "cpu", "--container-image=\(image)", "true")
        XCTAssertEqual(quiet.stderr, "")
    }

    /// An image file pushed to a registry (vessel push) runs as --container-image=oras://...:
    /// resolved once, at submission, into the user's cache; every task runs that file.
    func testAnOrasImageIsResolvedAtSubmission() throws {
        guard let registry = Harness.env["VESSEL_REGISTRY_PLAIN"] else { throw Harness.skip("no test registry") }
        let target = "oras://\(registry)/spank/t\(UInt32.random(in: 0...UInt32.max)):v1"
        let push = try asUser([Harness.vessel, "push", "-q", image, target])
        XCTAssertEqual(push.status, 0, push.stderr)
        let r = try srun("-p", "cpu", "-n", "2", "--container-image=\(target)", "sh", "-c",
                         "\(inImage); echo $VESSEL_SPANK_IMAGE_PATH", env: ["VESSEL_CACHE": dir + "/cache"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0 == imageName }.count, 2, r.stdout)
        let paths = Set(lines.filter { $0 != imageName })
        XCTAssertEqual(paths.count, 1, r.stdout)
        let path = try XCTUnwrap(paths.first)
        XCTAssertTrue(path.hasPrefix(dir + "/cache/images/"), path)
        XCTAssertEqual(try Harness.sha256(path), try Harness.sha256(image))
    }

    func testEightTasksShareOneMountAndOneUserNamespace() throws {
        let r = try srun("-p", "cpu", "-n", "8", "--overcommit", "--container-image=\(image)", "sh", "-c",
                         "echo $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt) $(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c /dev/fuse)")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 8, r.stdout)
        XCTAssertEqual(Set(lines).count, 1, "one user namespace, one mount namespace: \(r.stdout)")
        XCTAssertEqual(lines.first?.split(separator: " ").last, "1", "one FUSE server for the 8 tasks")
    }

    func testCancelledAndTimedOutJobsLeaveNothingBehind() throws {
        let before = try helpers()
        let script = dir + "/long.sh"
        try "#!/bin/sh\n#SBATCH --container-image=\(image)\n#SBATCH -p cpu\nsleep 300\n".write(toFile: script, atomically: true, encoding: .utf8)
        try Harness.run(["chmod", "755", script])
        let submitted = try asUser(["sbatch", "--parsable", "-o", dir + "/long.out", script])
        let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(job.isEmpty, submitted.stderr)
        try waitFor { try self.helpers() > before }
        try Harness.run(["scancel", job])
        try waitFor { try self.helpers() == before }
        // A time limit (checked by slurmctld about every 30 s).
        let limited = try asUser(["sbatch", "--parsable", "--time=0:05", "-o", dir + "/limit.out", script])
        let limitedJob = limited.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try waitFor { try self.helpers() > before }
        try waitFor(seconds: 120) {
            try Harness.run(["squeue", "-h", "-j", limitedJob]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        try waitFor { try self.helpers() == before }
        XCTAssertTrue(try String(contentsOfFile: dir + "/limit.out", encoding: .utf8).contains("TIME LIMIT"))
        // No FUSE mount reached the host's mount table.
        XCTAssertFalse(try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).contains(dir))
    }

    /// spank-helper processes of the job user.
    private func helpers() throws -> Int {
        Int(try Harness.run(["pgrep", "-c", "-u", user, "-f", "spank-helper"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    private func waitFor(seconds: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        XCTFail("condition not met within \(seconds) s")
    }
}
