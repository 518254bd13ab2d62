import Foundation
import VesselWire
import XCTest

/// Every plugin option of the table (VesselWire's ContainerOption), each way a job script
/// gives it: on srun's command line, as its PYXIS_ twin, as an `#SBATCH` line (the batch
/// script runs in the container) with its VESSEL_ twin beside, and to salloc, whose steps take
/// it; and a bad value of each, through its twin and an `#SBATCH` line, refused before the
/// step starts in one line. A new row of the table without a probe here fails.
final class PluginOptionMatrixTests: XCTestCase {
    private var job: SlurmJobUser!

    override func setUpWithError() throws {
        job = try SlurmJobUser(directoryIn: NSTemporaryDirectory(), prefix: "vessel-matrix")
        try FileManager.default.createDirectory(atPath: job.dir + "/data", withIntermediateDirectories: true)
        try "input\n".write(toFile: job.dir + "/data/in.txt", atomically: true, encoding: .utf8)
        try Harness.run(["chown", "-R", job.name, job.dir])
    }

    override func tearDownWithError() throws { job?.remove() }

    enum Way: String, CaseIterable { case srun, twin, sbatch, salloc }

    /// What an option is given as, the command that shows it worked, and what that prints.
    struct Probe {
        var value: String?
        var command: [String]
        var expect: String
        var environment: [String: String] = [:]
        var ways = Set(Way.allCases)
        /// After the job: whether it did what it says (a file it writes).
        var afterwards: ((Way) -> Bool)?
    }

    private func probes() throws -> [ContainerOption.ID: Probe] {
        let pw = try XCTUnwrap(getpwnam(job.name)).pointee
        let home = String(cString: pw.pw_dir)
        let sh = { (script: String) in ["sh", "-c", script] }
        let dir = job.dir
        return [
            .image: Probe(value: job.image, command: sh("head -1 /etc/os-release"), expect: "NAME=\"corpus-tiny\""),
            .bind: Probe(value: "\(dir)/data:/data:ro", command: sh("cat /data/in.txt; touch /data/x 2>/dev/null || echo read-only"), expect: "input\nread-only"),
            .workdir: Probe(value: "/srv", command: ["pwd"], expect: "/srv"),
            .keepEnv: Probe(value: "GREETING", command: sh("echo $GREETING"), expect: "from-the-job", environment: ["GREETING": "from-the-job"]),
            .writable: Probe(value: nil, command: sh("touch /probe && echo writable"), expect: "writable"),
            .readonly: Probe(value: nil, command: sh("touch /probe 2>/dev/null && echo writable || echo read-only"), expect: "read-only"),
            .mountHome: Probe(value: nil, command: sh("test -d \(home) && echo home"), expect: "home"),
            .noHome: Probe(value: nil, command: sh("test -d \(home) && echo home || echo no-home"), expect: "no-home"),
            .fakeroot: Probe(value: nil, command: ["id", "-u"], expect: "0"),
            .noRemapRoot: Probe(value: nil, command: ["id", "-u"], expect: "\(pw.pw_uid)"),
            // The batch script itself is not an argument an Entrypoint takes.
            .entrypoint: Probe(value: nil, command: ["there"], expect: "hello there", ways: [.srun, .twin, .salloc]),
            .noEntrypoint: Probe(value: nil, command: ["echo", "plain"], expect: "plain"),
            .entrypointLog: Probe(value: nil, command: ["echo", "logged"], expect: "logged"),
            .results: Probe(value: dir + "/results", command: sh("test -d /results && echo results"), expect: "results"),
            .unshare: Probe(value: "net", command: sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"), expect: "lo"),
            .verbose: Probe(value: nil, command: ["true"], expect: "image mounted"),
            .name: Probe(value: "matrix", command: sh("echo named > /kept && cat /kept"), expect: "named"),
            .save: Probe(value: "saved.sqsh", command: ["true"], expect: "vessel: saved the container to \(dir)/saved.sqsh",
                         afterwards: { _ in FileManager.default.fileExists(atPath: dir + "/saved.sqsh") }),
        ]
    }

    private func give(_ option: ContainerOption, _ value: String?) -> String {
        "--" + option.plugin!.long + (value.map { "=" + $0 } ?? "")
    }

    /// How a twin says a value, or that a flag is on; a --no- flag has none of its own, and is
    /// its opposite's twin saying 0.
    private func twin(_ option: ContainerOption, _ value: String?, vessel: Bool) -> [String: String] {
        guard option.environmentVariables.isEmpty, let opposite = option.opposite else {
            return [option.environmentVariables[vessel ? 0 : 1]: value ?? "1"]
        }
        return [ContainerOption.row(opposite).environmentVariables[vessel ? 0 : 1]: "0"]
    }

    private func run(_ option: ContainerOption, _ probe: Probe, _ way: Way) throws -> String {
        let image = option.id == .image ? [] : ["--container-image=\(job.image)"]
        let quoted = probe.command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        switch way {
        case .srun:
            let r = try job.run(["srun", "-p", "cpu"] + image + [give(option, probe.value)] + probe.command, env: probe.environment)
            return r.stdout + r.stderr
        case .twin:
            let imageTwin = option.id == .image ? [:] : ["PYXIS_CONTAINER_IMAGE": job.image]
            let r = try job.run(["srun", "-p", "cpu"] + probe.command,
                                env: probe.environment.merging(imageTwin) { a, _ in a }.merging(twin(option, probe.value, vessel: false)) { a, _ in a })
            return r.stdout + r.stderr
        case .sbatch:
            // The option as an #SBATCH line; the image as its VESSEL_ twin (the sbatch's environment).
            let script = job.dir + "/\(option.id)-\(UInt32.random(in: 0...UInt32.max)).sh"
            try "#!/bin/sh\n#SBATCH -p cpu\n#SBATCH \(give(option, probe.value))\nexec \(quoted)\n".write(toFile: script, atomically: true, encoding: .utf8)
            try Harness.run(["chmod", "755", script])
            try Harness.run(["chown", job.name, script])
            let imageTwin = option.id == .image ? [:] : ["VESSEL_CONTAINER_IMAGE": job.image]
            let r = try job.run(["sbatch", "--wait", "-o", script + ".out", script], env: probe.environment.merging(imageTwin) { a, _ in a })
            return ((try? String(contentsOfFile: script + ".out", encoding: .utf8)) ?? "") + r.stderr
        case .salloc:
            let r = try job.run(["salloc", "-p", "cpu"] + image + [give(option, probe.value), "srun"] + probe.command, env: probe.environment)
            return r.stdout + r.stderr
        }
    }

    func testEveryOptionEachWayAJobScriptGivesIt() throws {
        let probes = try probes()
        for option in ContainerOption.pluginOptions {
            let probe = try XCTUnwrap(probes[option.id], "no probe for --\(option.plugin!.long): add one")
            for way in Way.allCases where probe.ways.contains(way) {
                if option.id == .save { unlink(job.dir + "/saved.sqsh") }
                let output = try run(option, probe, way)
                XCTAssertTrue(output.contains(probe.expect), "--\(option.plugin!.long) by \(way): \(output)")
                if let afterwards = probe.afterwards { XCTAssertTrue(afterwards(way), "--\(option.plugin!.long) by \(way) did not do it: \(output)") }
            }
        }
    }

    /// A bad value through a twin (srun) and an #SBATCH line (sbatch): refused before anything
    /// runs, in one line naming the variable or the option.
    func testBadValuesEachWayAreRefusedBeforeTheStep() throws {
        let bad: [(ContainerOption.ID, String, String)] = [
            (.image, "", "name an image"),
            (.bind, "/tmp:", "an empty destination"),
            (.workdir, "", "name a directory"),
            (.keepEnv, "1X", "1X is not a variable name"),
            (.results, "relative", "not an absolute path"),
            (.unshare, "pid", "pid is not a namespace Vessel unshares (net, ipc, uts)"),
            (.name, "../up", "a name is letters, digits"),
            (.save, "out/", "names a directory; name a file"),
            (.writable, "maybe", "takes 1 or 0 (yes/no, true/false, on/off)"),
        ]
        for (id, value, reason) in bad {
            let option = ContainerOption.row(id)
            let variable = option.environmentVariables[1]
            let env = [variable: value].merging(id == .image ? [:] : ["VESSEL_CONTAINER_IMAGE": job.image]) { a, _ in a }
            let twin = try job.run(["srun", "-p", "cpu", "echo", "ran"], env: env)
            XCTAssertNotEqual(twin.status, 0, "\(variable)=\(value)")
            XCTAssertFalse(twin.stdout.contains("ran"), "\(variable)=\(value): the step ran")
            let line = twin.stderrLines.filter { $0.contains("\(variable)=\(value): ") }
            XCTAssertEqual(line.count, 1, twin.stderr)
            XCTAssertTrue(line.first?.contains(reason) ?? false, twin.stderr)
            guard option.plugin!.kind != .flag else { continue }
            let script = job.dir + "/bad-\(id).sh"
            try "#!/bin/sh\n#SBATCH -p cpu\n#SBATCH --\(option.plugin!.long)=\(value)\necho ran\n".write(toFile: script, atomically: true, encoding: .utf8)
            try Harness.run(["chmod", "755", script])
            let batch = try job.run(["sbatch", "--wait", "-o", script + ".out", script], env: id == .image ? [:] : ["VESSEL_CONTAINER_IMAGE": job.image])
            XCTAssertNotEqual(batch.status, 0, "#SBATCH --\(option.plugin!.long)=\(value)")
            XCTAssertTrue(batch.stderr.contains("--\(option.plugin!.long)=\(value): \(reason)"), batch.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: script + ".out"), "the job was submitted")
        }
    }
}
