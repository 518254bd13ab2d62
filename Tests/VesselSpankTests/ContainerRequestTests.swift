import VesselSpankRequest
import VesselWire
import XCTest

/// The plugin's options as values: what srun/sbatch/salloc and slurmstepd hand the plugin, and
/// plugstack.conf's arguments (the plugin's glue, which needs slurmstepd, is tested end to end).
final class ContainerRequestTests: XCTestCase {
    /// Slurm may call an option's callback twice (srun, then slurmstepd): taking the same option
    /// and value again changes nothing.
    func testTakingAnOptionTwiceIsANoOp() throws {
        var r = ContainerRequest()
        try r.take(.bind, "/a:/b,/c:/d:ro")
        try r.take(.bind, "/a:/b,/c:/d:ro")
        XCTAssertEqual(r.mounts.map(\.text), ["/a:/b:rw", "/c:/d:ro"])
        try r.take(.keepEnv, "A,B")
        try r.take(.keepEnv, "A,B")
        XCTAssertEqual(r.envNames, ["A", "B"])
    }

    /// Pyxis's rule: the command line wins over the environment; VESSEL_ before PYXIS_; a flag's
    /// twin takes a boolean, and 0 means the opposite flag.
    func testEnvironmentTwins() throws {
        var r = ContainerRequest()
        try r.take(.image, "cli.sqsh")
        try r.takeEnvironment(["PYXIS_CONTAINER_IMAGE": "env.sqsh", "VESSEL_CONTAINER_WORKDIR": "/v", "PYXIS_CONTAINER_WORKDIR": "/p",
                               "PYXIS_CONTAINER_WRITABLE": "0", "VESSEL_CONTAINER_VERBOSE": "yes"].get)
        XCTAssertEqual(r.image, "cli.sqsh")
        XCTAssertEqual(r.workdir, "/v")
        XCTAssertEqual(r.writable, false)
        XCTAssertTrue(r.verbose)
        var bad = ContainerRequest()
        XCTAssertThrowsError(try bad.takeEnvironment(["PYXIS_CONTAINER_WRITABLE": "maybe"].get)) {
            XCTAssertEqual(($0 as? OptionError)?.message, "PYXIS_CONTAINER_WRITABLE=maybe: takes 1 or 0 (yes/no, true/false, on/off)")
        }
    }

    func testBadValuesAreRefusedInOneLine() {
        let cases: [(ContainerOption.ID, String, String)] = [
            (.image, "", "--container-image=: name an image"),
            (.keepEnv, "A,,B", "--container-env=A,,B: an empty name"),
            (.keepEnv, "1X", "--container-env=1X: 1X is not a variable name"),
            (.results, "rel", "--container-results=rel: not an absolute path"),
            (.name, "", "--container-name=: name a container"),
            (.name, "../x", "--container-name=../x: a name is letters, digits, '.', '_' and '-', not starting with '.'"),
            (.name, "x:later", "--container-name=x:later: the flag is one of auto, create, exec, no_exec"),
            (.save, "", "--container-save=: name a file"),
            (.save, "out/", "--container-save=out/: names a directory; name a file"),
        ]
        for (id, value, message) in cases {
            var r = ContainerRequest()
            XCTAssertThrowsError(try r.take(id, value), message) { XCTAssertEqual(($0 as? OptionError)?.message, message) }
        }
        var r = ContainerRequest()
        XCTAssertThrowsError(try r.take(.nv, nil)) { XCTAssertEqual(($0 as? OptionError)?.message, "--nv: not an option of the plugin") }
    }

    /// --container-name=NAME[:FLAG], Pyxis's flags, auto by default.
    func testContainerNames() throws {
        var r = ContainerRequest()
        try r.take(.name, "build-env")
        XCTAssertEqual(r.name, try ContainerName(parsing: "build-env:auto"))
        for flag in ContainerName.Flag.allCases {
            XCTAssertEqual(try ContainerName(parsing: "n:\(flag.rawValue)").flag, flag)
        }
        var twin = ContainerRequest()
        try twin.takeEnvironment(["PYXIS_CONTAINER_NAME": "n:no_exec", "PYXIS_CONTAINER_SAVE": "out.sqsh"].get)
        XCTAssertEqual(twin.name?.flag, .noExec)
        XCTAssertEqual(twin.save, "out.sqsh")
        XCTAssertFalse(twin.isEmpty)
    }

    func testPlugstackArguments() throws {
        let c = try PluginConfig(arguments: ["runtime=/opt/vessel", "cache=/shared", "writable=yes", "remap_root=1", "mounts=/scratch:/scratch:ro",
                                             "results-scratch=/local", "mount-home=no"])
        XCTAssertEqual(c.runtime, "/opt/vessel")
        XCTAssertEqual(c.cache, "/shared")
        XCTAssertTrue(c.writable)
        XCTAssertTrue(c.remapRoot)
        XCTAssertFalse(c.mountHome)
        XCTAssertEqual(c.mounts.map(\.text), ["/scratch:/scratch:ro"])
        XCTAssertEqual(c.resultsScratch, "/local")
        XCTAssertEqual(c.containerScope, .job)
        XCTAssertTrue(c.sbatchSupport)
        let pyxis = try PluginConfig(arguments: ["container_scope=global", "sbatch_support=0", "containers=/local/containers"])
        XCTAssertEqual(pyxis.containerScope, .global)
        XCTAssertFalse(pyxis.sbatchSupport)
        XCTAssertEqual(pyxis.containers, "/local/containers")
        for (argument, message) in [("writable=maybe", "plugstack.conf: writable takes yes or no"),
                                    ("container-scope=node", "plugstack.conf: container-scope takes job or global"),
                                    ("results-mount=results", "plugstack.conf: results-mount=results is not an absolute path"),
                                    ("colour=blue", "plugstack.conf: unknown argument colour (known: runtime, cache, mount-home, mounts, results-scratch, results-mount, writable, remap-root, execute-entrypoint, containers, container-scope, sbatch-support, start-timeout, epilog-timeout)")] {
            XCTAssertThrowsError(try PluginConfig(arguments: [argument])) { XCTAssertEqual(($0 as? OptionError)?.message, message) }
        }
    }
}

private extension Dictionary where Key == String, Value == String {
    func get(_ key: String) -> String? { self[key] }
}
