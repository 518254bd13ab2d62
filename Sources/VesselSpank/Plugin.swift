import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

// Vessel's SPANK plugin. Slurm calls it in three places:
//   srun, sbatch, salloc (local/allocator): options are parsed and checked, and the image is
//     resolved to a SquashFS file (pulled or converted into the shared cache once) before the
//     job is submitted;
//   slurmstepd, once per step on each node (user_init): one helper process mounts the image and
//     builds the container's root, in a user and a mount namespace of its own;
//   slurmstepd, in each task (task_init): the task joins those namespaces and takes the image's
//     environment, then Slurm execs the task's command inside the container.
// With no container option the plugin does nothing.

nonisolated(unsafe) var request = ContainerRequest()
nonisolated(unsafe) var config = PluginConfig()
nonisolated(unsafe) var stepContainer: StepContainer?
/// Why the step's container could not be made. Reported by each task rather than by user_init:
/// a failing user_init makes Slurm drain the node, and a missing image is not the node's fault.
nonisolated(unsafe) var stepFailure: String?

/// The variables that carry the resolved image from the submitting side to the nodes.
enum JobVariables {
    static let image = "VESSEL_SPANK_IMAGE"
    static let path = "VESSEL_SPANK_IMAGE_PATH"
}

@_cdecl("vessel_spank_init")
public func spankInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    do {
        config = try PluginConfig(arguments: (0..<Int(ac)).compactMap { av?[$0].map { String(cString: $0) } })
    } catch {
        vessel_spank_error(error.message)
        return -1
    }
    for option in Options.all {
        guard spank_option_register(sp, option.pointer).rawValue == ESPANK_SUCCESS else {
            vessel_spank_error("cannot register --\(option.name)")
            return -1
        }
    }
    return 0
}

@_cdecl("vessel_spank_init_post_opt")
public func spankInitPostOpt(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard !request.isEmpty else { return 0 }
    guard let image = request.image else {
        vessel_spank_error("container options need --container-image")
        return -1
    }
    let ctx = spank_context()
    guard ctx == S_CTX_LOCAL || ctx == S_CTX_ALLOCATOR else { return 0 }
    // Resolved already (srun inside a batch job of the same image): nothing to do.
    if let given = getenv(JobVariables.image).map({ String(cString: $0) }), given == image,
       let path = getenv(JobVariables.path).map({ String(cString: $0) }), access(path, R_OK) == 0 {
        return 0
    }
    // A path missing here may exist on the nodes (node-local storage): the node says if not.
    if image.hasPrefix("/"), access(image, F_OK) != 0 { return 0 }
    do {
        let path = try Submission.resolve(image, config: config)
        setenv(JobVariables.image, image, 1)
        setenv(JobVariables.path, path, 1)
        return 0
    } catch {
        vessel_spank_error("--container-image=\(image): \(error.message)")
        return -1
    }
}

@_cdecl("vessel_spank_user_init")
public func spankUserInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard spank_remote(sp) == 1, let image = request.image else { return 0 }
    do {
        stepContainer = try StepContainer.start(sp, image: image, request: request, config: config)
    } catch {
        stepFailure = error.message
    }
    return 0
}

@_cdecl("vessel_spank_task_init")
public func spankTaskInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    if let failure = stepFailure {
        vessel_spank_error(failure)
        return -1
    }
    guard spank_remote(sp) == 1, let container = stepContainer else { return 0 }
    do {
        try container.join(sp, request: request)
        return 0
    } catch {
        vessel_spank_error(error.message)
        return -1
    }
}

@_cdecl("vessel_spank_exit")
public func spankExit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard spank_remote(sp) == 1 else { return 0 }
    stepContainer?.stop()
    stepContainer = nil
    return 0
}

extension Error {
    var message: String {
        if let e = self as? OptionError { return e.message }
        return "\(self)"
    }
}
