import Glibc
import VesselBasics
import VesselRuntime

/// Runs a container and exits with its status; Vessel's own failures exit 125.
public func launch(_ command: String, _ spec: () throws -> ContainerSpec) -> Never {
    do {
        let spec = try spec()
        // The tasks of an srun step (or --join KEY) share one container: never returns.
        if let shared = try SharedContainer(spec: spec, uid: getuid()) { try shared.run(spec) }
        let status = try Launcher().run(spec)
        // _exit: the FUSE threads are still serving; exit handlers must not run under them.
        fflush(nil)
        _exit(status)
    } catch {
        PlainSystem.warn("vessel \(command): \(error)\n")
        exit(125)
    }
}
