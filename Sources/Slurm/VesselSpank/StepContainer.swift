import CLinux
import CVesselSpank
import VesselBasics
import VesselSpankRequest
import VesselWire
#if canImport(Glibc)
import Glibc
#endif

/// One job step's container on one node: `vessel spank-helper` mounts the image once and builds
/// the root once; every task of the step then joins its namespaces (one FUSE mount per node per
/// step, and all ranks in one user namespace, which intra-node MPI shared memory needs).
final class StepContainer {
    /// The helper as slurmstepd started it; stopped at the end of the step. None when the step
    /// joined a named container another step runs.
    let helper: ChildProcess?
    let announcement: Announcement
    /// With --container-verbose: what the helper said it did, for the node's first task to show.
    let stepLog: String
    /// --container-name: the named container this step's container runs on.
    let named: NamedContainer?
    /// --container-save: where the helper writes the image as it stops (which takes longer),
    /// and its standard error, which says why when it cannot.
    let save: (path: String, errors: Int32)?

    private init(helper: ChildProcess?, announcement: Announcement, stepLog: String, named: NamedContainer? = nil,
                 save: (path: String, errors: Int32)? = nil) {
        self.helper = helper
        self.announcement = announcement
        self.stepLog = stepLog
        self.named = named
        self.save = save
    }

    deinit { if let save { close(save.errors) } }

    /// The most of the helper's standard error (the -v step log, the save's last word) read.
    static let logBytes = 1 << 20

    /// The step's container: a new one, or with --container-name the named one (joined when
    /// it runs, else started on its kept overlay).
    static func start(_ sp: OpaquePointer?, request: ContainerRequest, config: PluginConfig) throws -> StepContainer {
        guard let name = request.name else {
            guard let image = request.image else { throw OptionError("container options need --container-image") }
            return try start(sp, image: image, request: request, config: config, named: nil)
        }
        var uid: uid_t = 0, gid: gid_t = 0
        var job: UInt32 = 0
        guard vessel_spank_job_ids(sp, &uid, &gid) == 0, vessel_spank_job_id(sp, &job) == 0 else { throw OptionError("cannot read the job's user") }
        switch try NamedContainer.claim(name, config: config, uid: uid, job: job) {
        case .join(let announcement):
            // Pyxis's rule: the running container is joined as it is.
            if !request.mounts.isEmpty { vessel_spank_info("vessel: ignoring --container-mounts when joining the running container \(name.name)") }
            return StepContainer(helper: nil, announcement: announcement, stepLog: "")
        case .start(let named, let kept):
            // A kept container starts from its own image, whatever the step names (Pyxis skips the import).
            guard let image = kept ?? request.image else {
                named.discardIfNeverStarted()
                throw OptionError("--container-name=\(name.name): no such container on this node, and no --container-image to make it from")
            }
            do {
                return try start(sp, image: image, request: request, config: config, named: named, resolved: kept != nil)
            } catch {
                named.discardIfNeverStarted()
                throw error
            }
        }
    }

    private static func start(_ sp: OpaquePointer?, image: String, request: ContainerRequest, config: PluginConfig,
                              named: NamedContainer?, resolved: Bool = false) throws -> StepContainer {
        var envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        guard vessel_spank_job_env(sp, &envp) == 0, let envp else { throw OptionError("cannot read the job's environment") }
        var list: [String] = []
        var p = envp
        while let e = p.pointee { list.append(String(cString: e)); p += 1 }
        let env = Environment(list)
        var uid: uid_t = 0, gid: gid_t = 0
        guard vessel_spank_job_ids(sp, &uid, &gid) == 0 else { throw OptionError("cannot read the job's user") }
        // slurmstepd's own environment names the node (the job's does not yet, and is the user's:
        // never taken from it), as slurmd's names it to the job epilog that collects the results.
        let stepdNode = getenv("SLURMD_NODENAME").map { String(cString: $0) }
        let node = stepdNode ?? "node"

        let path: String
        if resolved {
            path = image
        } else if env[SpankNames.image] == image, let resolved = env[SpankNames.imagePath] {
            path = resolved
        } else if image.hasPrefix("/") {
            path = image
        } else {
            throw OptionError("\(image): not resolved when the job was submitted (is the plugin loaded by srun and sbatch?)")
        }
        var args = [config.runtime, "spank-helper", "--ready-fd", "3"]
        for m in config.mounts + request.mounts { args += [cli(.bind), m.text] }
        if request.results != nil {
            var job: UInt32 = 0
            guard vessel_spank_job_id(sp, &job) == 0 else { throw OptionError("cannot read the job's id") }
            let dir = try ResultsScratch.create(config, uid: uid, job: job, node: node)
            args += [cli(.bind), BindSpec(source: dir, destination: config.resultsMount, readOnly: false).text]
        }
        if let dir = pmixServerDirectory(sp, node: stepdNode) {
            // Last of the binds, so that a --container-mounts tmpfs does not hide it.
            args += [cli(.bind), BindSpec(source: dir, destination: dir, readOnly: false).text]
        }
        if !request.unshare.isEmpty { args += [cli(.unshare), request.unshare.joined(separator: ",")] }
        if request.writable ?? config.writable { args.append(cli(.writable)) }
        if request.remapRoot ?? config.remapRoot { args.append(cli(.fakeroot)) }
        if !(request.mountHome ?? config.mountHome) { args.append(cli(.noHome)) }
        // GPUs Slurm allocated are visible without a flag.
        if ["SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "CUDA_VISIBLE_DEVICES"].contains(where: { env[$0].map { !$0.isEmpty } ?? false }) {
            args.append(cli(.nv))
        }
        for name in request.envNames { if let v = env[name] { args += [cli(.env), "\(name)=\(v)"] } }
        if request.verbose { args.append(cli(.verbose)) }
        if let named { args += [cli(.overlay), named.directory] }
        let cwd = env["PWD"] ?? env["SLURM_SUBMIT_DIR"] ?? "/"
        // Pyxis's rule: a relative path is the job's directory's.
        let savePath = request.save.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
        if let savePath {
            var step: UInt32 = 0
            var job: UInt32 = 0
            _ = vessel_spank_step_id(sp, &step)
            _ = vessel_spank_job_id(sp, &job)
            args += [cli(.save), savePath, "--save-job", "\(job).\(step == vessel_spank_batch_step ? "batch" : "\(step)") on \(node)"]
        }
        args.append(path)

        var fds: [Int32] = [-1, -1]
        guard vessel_spank_pipe(&fds) == 0 else { throw OptionError("cannot make a pipe: \(String(cString: strerror(errno)))") }
        // --container-verbose: the helper's stderr is a pipe, its step log read once the container
        // is announced (the log's lines come before; the helper keeps the pipe while it serves).
        var logFDs: [Int32] = [-1, -1]
        if request.verbose || savePath != nil, vessel_spank_pipe(&logFDs) != 0 { logFDs = [-1, -1] }
        let helper = ChildProcess.spawn(args, environment: list, directory: cwd, uid: uid, gid: gid, readyFD: fds[1], errorFD: logFDs[1])
        close(fds[1])
        if logFDs[1] >= 0 { close(logFDs[1]) }
        // Kept open with --container-save: what the helper says at the end tells how it went.
        defer { if logFDs[0] >= 0, savePath == nil { close(logFDs[0]) } }
        guard let helper else {
            close(fds[0])
            throw OptionError("cannot start \(config.runtime): \(String(cString: strerror(errno)))")
        }
        // Bounded in time and size: slurmstepd is root's, the pipe's other end the user's.
        let said = Syscall.readAll(fds[0], within: config.startTimeout, limit: Announcement.maximumBytes)
        let why = errno
        close(fds[0])
        guard let said else {
            _ = helper.wait(within: 0)
            if why == EFBIG { throw OptionError("\(image): the container's helper said more than \(Announcement.maximumBytes) bytes; its helper was stopped") }
            throw OptionError("\(image): the container was not made within \(Int(config.startTimeout)) s (plugstack.conf start-timeout=); its helper was stopped")
        }
        let text = String(decoding: said, as: UTF8.self)
        var stepLog = ""
        if logFDs[0] >= 0, fcntl(logFDs[0], F_SETFL, O_NONBLOCK) == 0 {
            let said = readAll(logFDs[0], limit: StepContainer.logBytes)
            if request.verbose { stepLog = said }
        }
        let a = Announcement(decoding: text)
        if let error = a.error ?? (a.pid == nil ? "the container helper ended without a word (\(config.runtime) spank-helper)" : nil) {
            _ = helper.wait(within: 0)
            throw OptionError(error.hasPrefix(path) ? error : "\(image): \(error)")
        }
        named?.recordRunning(text)
        return StepContainer(helper: helper, announcement: a, stepLog: stepLog, named: named,
                             save: savePath.flatMap { logFDs[0] >= 0 ? ($0, logFDs[0]) : nil })
    }

    /// The step's PMIx server directory (`srun --mpi=pmix`), made by Slurm before `user_init`,
    /// when there is one: the tasks' PMIx clients open it, and their variables that name it
    /// are set only later, for each task. Found from slurmstepd's own configuration, which is
    /// the site's (trusted); only checked to be a directory, nothing in it is opened as root.
    private static func pmixServerDirectory(_ sp: OpaquePointer?, node: String?) -> String? {
        var job: UInt32 = 0, step: UInt32 = 0
        guard let spool = vessel_spank_slurmd_spooldir().map({ String(cString: $0) }),
              vessel_spank_job_id(sp, &job) == 0, vessel_spank_step_id(sp, &step) == 0, step != vessel_spank_batch_step
        else { return nil }
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(cString: name).split(separator: ".").first.map(String.init) ?? "" : ""
        // `node` is slurmstepd's, never the job's (the user's to set): a spool with %n and no
        // node name is no PMIx directory.
        guard !(spool.contains("%n") && node == nil), !(node ?? "").contains("/"), !host.contains("/") else { return nil }
        let dir = PMIxDirectories.serverDirectory(spool: spool, node: node ?? host, host: host, job: job, step: step)
        var st = stat()
        guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return dir
    }

    /// In a task, before Slurm execs its command: enter the container, take its environment,
    /// and go to the working directory.
    func join(_ sp: OpaquePointer?, request: ContainerRequest) throws {
        var task: Int32 = -1
        if !stepLog.isEmpty, vessel_spank_local_task_id(sp, &task) == 0, task == 0 {
            _ = stepLog.withCString { write(2, $0, strlen($0)) }
        }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let cwd = getcwd(&buf, buf.count).map { _ in String(cString: buf) }
        // As the job's user (task_init), who may only open the namespaces of their own processes.
        guard let pid = announcement.pid, vessel_join_namespaces(pid) == 0 else {
            throw OptionError("joining the container: \(String(cString: strerror(errno)))")
        }
        if announcement.fakeChown, vessel_fake_chown() != 0 {
            throw OptionError("faking chown for root without subordinate ids: \(String(cString: strerror(errno)))")
        }
        // Lets /.vessel/bin/srun and friends chroot to the host (in this user namespace only).
        _ = vessel_spank_keep_chroot()
        for (k, v) in announcement.set { spank_setenv(sp, k, v, 1) }
        for k in announcement.unset { spank_unsetenv(sp, k) }
        // Pyxis's rule: the image's WorkingDir when it sets one, else the job's directory when
        // the container sees it, else /; --container-workdir, when relative, is taken from there.
        _ = announcement.startingDirectories(taskDirectory: cwd, imageFirst: true).first { chdir($0) == 0 }
        if let dir = request.workdir {
            guard chdir(dir) == 0 else { throw OptionError("--container-workdir=\(dir): \(String(cString: strerror(errno))) in the container") }
        }
        if request.entrypoint ?? state.config.executeEntrypoint { try execThroughEntrypoint(sp) }
    }

    /// --container-entrypoint: the task's command becomes the Entrypoint's arguments. Slurm would
    /// exec the command itself; this execs the Entrypoint instead, with the task's environment.
    private func execThroughEntrypoint(_ sp: OpaquePointer?) throws {
        guard !announcement.entrypoint.isEmpty else { return }
        var argc: Int32 = 0
        var argvp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        guard vessel_spank_job_argv(sp, &argc, &argvp) == 0, vessel_spank_job_env(sp, &envp) == 0, let envp else {
            throw OptionError("--container-entrypoint: cannot read the task's command")
        }
        let args = announcement.entrypoint + (0..<Int(argc)).compactMap { argvp?[$0].map { String(cString: $0) } }
        var path = args[0]
        if !path.contains("/") {
            var p = envp
            var search = "/usr/local/bin:/usr/bin:/bin"
            while let e = p.pointee { let s = String(cString: e); if s.hasPrefix("PATH=") { search = String(s.dropFirst(5)) }; p += 1 }
            path = search.split(separator: ":").map { "\($0)/\(args[0])" }.first { access($0, X_OK) == 0 } ?? args[0]
        }
        _ = withCStrings(args) { argv in execve(path, argv, envp) }
        throw OptionError("--container-entrypoint: \(args[0]): \(String(cString: strerror(errno)))")
    }

    /// At the end of the step (also after scancel or a time limit): the helper goes, and with
    /// it the mount and the namespaces; through its pidfd only (see ChildProcess). A named
    /// container is then free for the next step. With --container-save the helper writes the image first (as long as a build of
    /// it takes), and says why it could not; the error is returned.
    @discardableResult
    func stop() -> String? {
        defer { named?.release() }
        guard let helper else { return nil }
        guard let save else {
            helper.stop(grace: 5)
            return nil
        }
        let status = helper.stop(grace: 3600)
        let said = readAll(save.errors, limit: StepContainer.logBytes).split(separator: "\n").last { $0.hasPrefix("vessel: ") }
        guard status == 0 else { return said.map { "--container-save=" + $0.dropFirst(8).replacing("--save ", with: "", maxReplacements: 1) } ?? "--container-save=\(save.path): not saved (the container's helper ended with status \(status.map { "\($0 >> 8)" } ?? "killed"))" }
        vessel_spank_info("saved the container to \(save.path)")
        return nil
    }
}

/// The helper's command-line spelling of an option (`vessel spank-helper` takes the CLI's).
private func cli(_ id: ContainerOption.ID) -> String { "--" + ContainerOption.row(id).cli!.long }
