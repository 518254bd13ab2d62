import CVesselSpank
import VesselBasics
import VesselSpankRequest
import VesselWire
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

/// What the plugin holds in one Slurm process, in one value: the options it was given, the
/// site's arguments, and on a node the step's container or why it could not be made. Slurm
/// calls the callbacks in separate processes (srun, slurmstepd, the epilog), each with its own.
struct PluginState {
    var request = ContainerRequest()
    var config = PluginConfig()
    var stepContainer: StepContainer?
    /// Why the step's container could not be made. Reported by each task rather than by
    /// user_init: a failing user_init makes Slurm drain the node, and a missing image is not
    /// the node's fault.
    var stepFailure: String?
    /// The node's tasks of the step that have ended (task_exit).
    var exitedTasks = 0
}

nonisolated(unsafe) var state = PluginState()

@_cdecl("vessel_spank_init")
public func spankInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard loadConfig(ac, av) else { return -1 }
    // sbatch-support=no: sbatch and salloc do not know the options (Pyxis's way).
    if spank_context() == S_CTX_ALLOCATOR, !state.config.sbatchSupport { return 0 }
    for option in Options.all {
        guard spank_option_register(sp, option.pointer).rawValue == ESPANK_SUCCESS else {
            vessel_spank_error("cannot register --\(option.spelling.long)")
            return -1
        }
    }
    return 0
}

/// plugstack.conf's arguments. Every callback gets them; the job epilog runs in a process where
/// init has not been called, so it reads them itself.
private func loadConfig(_ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Bool {
    do {
        state.config = try PluginConfig(arguments: (0..<Int(ac)).compactMap { av?[$0].map { String(cString: $0) } })
        return true
    } catch {
        vessel_spank_error(error.message)
        return false
    }
}

@_cdecl("vessel_spank_init_post_opt")
public func spankInitPostOpt(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    if spank_context() == S_CTX_ALLOCATOR, !state.config.sbatchSupport { return 0 }
    // The options' environment twins (PYXIS_CONTAINER_IMAGE, ...): srun's and sbatch's own
    // environment, or in slurmstepd the job's.
    do {
        let remote = spank_context() == S_CTX_REMOTE
        try state.request.takeEnvironment { name in remote ? jobVariable(sp, name) : getenv(name).map { String(cString: $0) } }
    } catch {
        vessel_spank_error(error.message)
        return -1
    }
    let ctx = spank_context()
    // sbatch-support=no: a batch script runs as it would without Vessel (its sruns still may not).
    if ctx == S_CTX_REMOTE, !state.config.sbatchSupport {
        var step: UInt32 = 0
        if vessel_spank_step_id(sp, &step) == 0, step == vessel_spank_batch_step { state.request = ContainerRequest() }
    }
    guard !state.request.isEmpty else { return 0 }
    // A named container that exists on the node needs no image; whether it does, the node says.
    guard let image = state.request.image ?? (state.request.name != nil ? "" : nil) else {
        vessel_spank_error("container options need --container-image")
        return -1
    }
    if ctx == S_CTX_REMOTE {
        // slurmstepd, still as root: what must be root's is made now (see UserDirectory).
        guard state.request.results != nil || state.request.name != nil else { return 0 }
        var uid: uid_t = 0, gid: gid_t = 0
        do {
            guard vessel_spank_job_ids(sp, &uid, &gid) == 0 else { throw OptionError("cannot read the job's user") }
            if state.request.results != nil { try ResultsScratch.prepare(state.config, uid: uid, gid: gid) }
            if state.request.name != nil {
                try UserDirectory.prepare(in: state.config.containers, named: NamedContainer.directoryName, uid: uid, gid: gid,
                                          option: "--container-name")
            }
        } catch {
            // Reported by each task, like any failure to make the step's container.
            state.stepFailure = error.message
        }
        return 0
    }
    guard ctx == S_CTX_LOCAL || ctx == S_CTX_ALLOCATOR, !image.isEmpty else { return 0 }
    // Resolved already (srun inside a batch job of the same image): nothing to do.
    if let given = getenv(SpankNames.image).map({ String(cString: $0) }), given == image,
       let path = getenv(SpankNames.imagePath).map({ String(cString: $0) }), access(path, R_OK) == 0 {
        return 0
    }
    // A path missing here may exist on the nodes (node-local storage): the node says if not.
    if image.hasPrefix("/"), access(image, F_OK) != 0 { return 0 }
    do {
        let path = try Submission.resolve(image, config: state.config)
        setenv(SpankNames.image, image, 1)
        setenv(SpankNames.imagePath, path, 1)
        return 0
    } catch {
        vessel_spank_error("--container-image=\(image): \(error.message)")
        return -1
    }
}

@_cdecl("vessel_spank_user_init")
public func spankUserInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard spank_remote(sp) == 1, !state.request.isEmpty, state.stepFailure == nil else { return 0 }
    do {
        state.stepContainer = try StepContainer.start(sp, request: state.request, config: state.config)
    } catch {
        state.stepFailure = error.message
    }
    return 0
}

@_cdecl("vessel_spank_task_init")
public func spankTaskInit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    if let failure = state.stepFailure {
        vessel_spank_error(failure)
        return -1
    }
    guard spank_remote(sp) == 1, let container = state.stepContainer else { return 0 }
    do {
        try container.join(sp, request: state.request)
        return 0
    } catch {
        vessel_spank_error(error.message)
        return -1
    }
}

/// In slurmstepd as each of the node's tasks ends: after the last, the step's container stops
/// (and with --container-save is written as an image) while the step's output still reaches
/// srun, and before Slurm kills what is left of the step. Pyxis saves here too.
@_cdecl("vessel_spank_task_exit")
public func spankTaskExit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard spank_remote(sp) == 1, let container = state.stepContainer else { return 0 }
    state.exitedTasks += 1
    var count: UInt32 = 0
    guard vessel_spank_local_task_count(sp, &count) == 0, state.exitedTasks >= Int(count) else { return 0 }
    state.stepContainer = nil
    if let failure = container.stop() {
        vessel_spank_error(failure)
        return -1
    }
    return 0
}

@_cdecl("vessel_spank_exit")
public func spankExit(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard spank_remote(sp) == 1 else { return 0 }
    state.stepContainer?.stop()
    state.stepContainer = nil
    return 0
}

/// At the end of the job, on each of its nodes (slurmd's epilog, as root): `vessel collect`, as
/// the job's user, copies the node's results home. It never fails the epilog, which would drain
/// the node; the collector reports into the job's output and provenance.json instead.
@_cdecl("vessel_spank_job_epilog")
public func spankJobEpilog(_ sp: OpaquePointer?, _ ac: Int32, _ av: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard loadConfig(ac, av) else { return 0 }
    let env = Environment.current
    guard let job = env["SLURM_JOB_ID"].flatMap({ UInt32($0) }), let uid = env["SLURM_JOB_UID"].flatMap({ uid_t($0) }),
          let gid = env["SLURM_JOB_GID"].flatMap({ gid_t($0) }) else {
        vessel_spank_error("job epilog: no SLURM_JOB_ID, SLURM_JOB_UID or SLURM_JOB_GID; results not collected, named containers not removed")
        return 0
    }
    removeNamedContainers(job: job, uid: uid, gid: gid, env: env)
    var arg: UnsafeMutablePointer<CChar>?
    guard spank_option_getopt(sp, Options.definition(.results).pointer, &arg).rawValue == ESPANK_SUCCESS,
          let root = arg.map({ String(cString: $0) }) else { return 0 }
    let node = env["SLURMD_NODENAME"] ?? "node"
    let scratch = ResultsScratch.path(state.config, uid: uid, job: job, node: node)
    // The collector stops a little before the epilog would kill it, to say so in the job's output.
    let margin = min(10, state.config.epilogTimeout / 4)
    let args = [state.config.runtime, "collect", "--scratch", scratch, "--results", root, "--results-mount", state.config.resultsMount,
                "--deadline", "\(state.config.epilogTimeout - margin)"]
    // As the job's user with their groups (a group's results root), never as root.
    guard let collector = ChildProcess.spawn(args, environment: env.strings, directory: "/", uid: uid, gid: gid) else {
        vessel_spank_error("job \(job): cannot start \(state.config.runtime) collect: \(errnoText()); results kept in \(node):\(scratch)")
        return 0
    }
    let (status, killed) = collector.wait(within: state.config.epilogTimeout)
    if killed {
        vessel_spank_error("job \(job): results on \(node) not collected: \(state.config.runtime) collect did not end within \(Int(state.config.epilogTimeout)) s (plugstack.conf epilog-timeout=) and was killed; kept in \(scratch)")
    } else if status != 0 {
        vessel_spank_error("job \(job): results on \(node) not collected (\(state.config.runtime) collect: status \(status.map { "\($0 >> 8)" } ?? "unknown"); see the job's output); kept in \(scratch)")
    }
    return 0
}

/// container-scope=job: the job's named containers on this node go with it, removed by the
/// job's user (`vessel remove-kept`, which can remove what the containers gave subordinate ids).
/// Root only looks whether the job has any (lstat, nothing followed).
private func removeNamedContainers(job: UInt32, uid: uid_t, gid: gid_t, env: Environment) {
    guard state.config.containerScope == .job else { return }
    let dir = NamedContainer.jobDirectory(state.config, uid: uid, job: job)
    var st = stat()
    guard lstat(dir, &st) == 0 else { return }
    guard let remover = ChildProcess.spawn([state.config.runtime, "remove-kept", dir], environment: env.strings, directory: "/", uid: uid, gid: gid) else {
        vessel_spank_error("job \(job): cannot start \(state.config.runtime) remove-kept: \(errnoText()); \(dir) left")
        return
    }
    let (status, killed) = remover.wait(within: state.config.epilogTimeout)
    if killed { vessel_spank_error("job \(job): named containers in \(dir) not removed within \(Int(state.config.epilogTimeout)) s (plugstack.conf epilog-timeout=)") }
    if let status, status != 0 { vessel_spank_error("job \(job): named containers in \(dir) not removed (status \(status >> 8))") }
}

/// A variable of the job's environment, in slurmstepd.
private func jobVariable(_ sp: OpaquePointer?, _ name: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) * 4)
    guard spank_getenv(sp, name, &buffer, Int32(buffer.count)).rawValue == ESPANK_SUCCESS else { return nil }
    return String(cString: buffer)
}

extension Error {
    var message: String {
        if let e = self as? OptionError { return e.message }
        return "\(self)"
    }
}
