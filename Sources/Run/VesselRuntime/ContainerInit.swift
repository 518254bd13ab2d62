import CLinux
import Glibc
import VesselBasics

/// Process 1 of the container's PID namespace. It builds the root file system (an overlay on
/// the image mount, so mount points can be made; read-only unless --writable-tmpfs), binds the
/// host paths of the mount plan, switches root, then starts the command as its child, forwards
/// signals to it and exits with its status. When it exits the kernel ends every process left
/// in the namespace, so no helper outlives the command.
struct ContainerInit {
    let stage: String
    let plan: MountPlan
    let spec: ContainerSpec
    let host: HostContext
    let argv: [String]
    let environment: [String]
    let workdir: String
    /// The image's WorkingDir, when it sets one: a served step's tasks start there (Pyxis's rule).
    let imageWorkdir: String?
    /// Root inside with no other id mapped: the chown family is faked (vessel_fake_chown), for
    /// this container's command and, through the announcement, for each task that joins it.
    let fakeChown: Bool
    /// The image's User, switched to before the command starts (run --fakeroot).
    let switchTo: ImageUser?

    /// Never returns. Runs in Vessel's child, which is process 1 of the container's PID
    /// namespace: Vessel unshared that namespace before forking, having started its FUSE
    /// threads first (a process that has unshared its PID namespace can start no thread).
    /// A container start shares Vessel's mount namespace: pivot_root moves Vessel's root as
    /// well, which Vessel, from here on only waiting and forwarding signals, never looks at; a
    /// second namespace would cost a copy of the mount table, and its teardown an RCU grace
    /// period, per start. A Slurm step's container keeps Vessel's root as the host's: the
    /// step's Slurm commands reach the host through it (/proc/VESSEL/root, see hostAccess).
    func run() -> Never {
        _ = vessel_set_pdeathsig(SIGKILL)
        // A served container, and one to save, leave Vessel's mount namespace as it was: Vessel
        // goes on using it (the host's root for Slurm's commands; the layer for --save).
        if spec.mode == .serve || spec.save != nil, unshare(vessel_clone_newns) != 0 { fail(RuntimeError.namespaces(reason: errnoText())) }
        do {
            let (root, fuseOverlay) = try buildRoot()
            try switchRoot(to: root, fuseOverlay: fuseOverlay)
        } catch {
            fail(error)
        }
        if spec.mode == .serve { serve() }
        if fakeChown, vessel_fake_chown() != 0 { fail(RuntimeError.setup("faking chown for root without subordinate ids", reason: errnoText())) }
        if chdir(workdir) != 0 {
            // Asked for with --pwd: a mistake to say, not to run elsewhere.
            if spec.workdir != nil { fail(RuntimeError.setup("--pwd \(workdir)", reason: "\(errnoText()) in the container")) }
            PlainSystem.warn("vessel: warning: working directory \(workdir) is not in the container; using /\n")
            _ = chdir("/")
        }
        startAndWait()
    }

    /// Reports a failure where the caller looks (the serve announcement, else stderr) and exits 125.
    private func fail(_ error: Error) -> Never {
        if spec.readyFD >= 0 {
            Announcement(failure: "\(error)").write(to: spec.readyFD)
        } else {
            PlainSystem.warn("vessel: \(error)\n")
        }
        _exit(125)
    }

    /// serve: says which process to join and how the environment differs from the host's,
    /// then holds the namespaces until told to stop.
    private func serve() -> Never {
        var env: [String: String] = [:]
        for e in environment { if let eq = e.firstIndex(of: "=") { env[String(e[..<eq])] = String(e[e.index(after: eq)...]) } }
        Announcement(pid: getpid(), workdir: workdir, imageWorkdir: imageWorkdir, fakeChown: fakeChown, set: env.filter { host.environment[$0.key] != $0.value },
                     unset: host.environment.keys.filter { env[$0] == nil }, entrypoint: argv).write(to: spec.readyFD)
        close(spec.readyFD)
        for sig in Forwarding.signals where sig != SIGTERM && sig != SIGINT && sig != SIGHUP { signal(sig, SIG_IGN) }
        if spec.membersFD >= 0 { waitForTheLastMember(); _exit(0) }
        while true { pause() }
    }

    /// A shared container (SharedContainer) has no one to stop it: every task in it holds a
    /// shared lock on its members file, and it ends once it can lock the file exclusively.
    private func waitForTheLastMember() {
        while flock(spec.membersFD, LOCK_EX | LOCK_NB) != 0 { sleep(1) }
    }

    /// The root is an overlay: the image below, a tmpfs above, prepared by Vessel before this
    /// process started (`UpperLayer.prepare`). Returns the root, and whether it is a
    /// fuse-overlayfs mount.
    private func buildRoot() throws -> (String, Bool) {
        let layer = UpperLayer(stage: stage, overlay: spec.overlay)
        let image = layer.image, upper = layer.upper, work = layer.work, root = layer.root
        var usesFuseOverlay = false
        let overlay = "lowerdir=\(image),upperdir=\(upper),workdir=\(work)"
        if FuseOverlay.forced || (spec.writable && FuseOverlay.preferredForWriting) {
            try FuseOverlay.mount(lower: image, upper: upper, work: work, at: root, kernelError: nil)
            usesFuseOverlay = true
        } else if Glibc.mount("overlay", root, "overlay", 0, overlay) != 0,
                  // Kernels that keep trusted.* xattrs from user namespaces need userxattr.
                  Glibc.mount("overlay", root, "overlay", 0, overlay + ",userxattr") != 0 {
            try FuseOverlay.mount(lower: image, upper: upper, work: work, at: root, kernelError: errnoText())
            usesFuseOverlay = true
        }
        var tmpfsTargets: [String] = []
        for step in plan.steps {
            try perform(step, root: root, below: tmpfsTargets)
            if case .tmpfs = step.kind { tmpfsTargets.append(step.target) }
        }
        if !spec.writable {
            try Sys.mount(nil, root, nil, UInt(MS_REMOUNT | MS_RDONLY) | Sys.lockedFlags(root), what: "read-only root")
        }
        return (root, usesFuseOverlay)
    }

    /// `tmpfs`: the targets of the private tmpfs mounts made so far.
    private func perform(_ step: MountPlan.Step, root: String, below tmpfs: [String]) throws {
        let target = root + step.target
        switch step.kind {
        case .proc:
            try Sys.mount("proc", target, "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), what: "/proc")
        case .tmpfs(let options, let readOnly):
            let data = (options.contains { $0.hasPrefix("mode=") } ? options : ["mode=1777"] + options).joined(separator: ",")
            try Sys.mount("tmpfs", target, "tmpfs", UInt(MS_NOSUID | MS_NODEV) | (readOnly ? UInt(MS_RDONLY) : 0), data, what: "a private \(step.target)")
        case .bind(let source, let recursive, let readOnly):
            // A target below a tmpfs mounted by an earlier step (a PMIx directory under a
            // private /tmp) was not there when the upper layer was prepared: make it now. Only
            // there: elsewhere the path is the image's, whose symbolic links are not followed.
            if tmpfs.contains(where: { step.target.hasPrefix($0 + "/") }), !PlainSystem.exists(target) {
                try makeMountPoint(target, like: source)
            }
            if recursive {
                try Sys.mount(source, target, nil, UInt(MS_BIND | MS_REC), what: source)
            } else if Glibc.mount(source, target, nil, UInt(MS_BIND), nil) != 0 {
                guard errno == EINVAL else { throw RuntimeError.mount(what: source, target: target, reason: errnoText()) }
                // A host mount below the source (a FUSE or tmpfs mount under /tmp) is locked in a
                // user namespace, and a bind without it would uncover what it hides: the kernel
                // refuses. Take the whole tree, then drop Vessel's own staging mounts from it.
                try Sys.mount(source, target, nil, UInt(MS_BIND | MS_REC), what: source)
                let staging = target + "/.vessel-\(host.uid)"
                while umount2(staging, Int32(MNT_DETACH)) == 0 {}
            }
            if readOnly {
                try Sys.mount(nil, target, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY) | Sys.lockedFlags(source),
                              what: "\(source) read-only")
            }
        }
    }

    private func makeMountPoint(_ target: String, like source: String) throws {
        var st = stat()
        if stat(source, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
            try Sys.mkdirs(String(target[..<(target.lastIndex(of: "/") ?? target.endIndex)]))
            let fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { throw RuntimeError.setup("creating \(target)", reason: errnoText()) }
            close(fd)
        } else {
            try Sys.mkdirs(target)
        }
    }

    private func switchRoot(to root: String, fuseOverlay usesFuseOverlay: Bool) throws {
        guard chdir(root) == 0 else { throw RuntimeError.setup("entering \(root)", reason: errnoText()) }
        if usesFuseOverlay {
            guard Glibc.mount(".", "/", nil, UInt(MS_MOVE), nil) == 0, chroot(".") == 0 else {
                throw RuntimeError.setup("entering the fuse-overlayfs root", reason: errnoText())
            }
            _ = chdir("/")
            return
        }
        guard vessel_pivot_root(".", ".") == 0 else { throw RuntimeError.setup("pivot_root", reason: errnoText()) }
        // The old root now lies under the new one; detach it so the host is out of reach.
        guard umount2(".", Int32(MNT_DETACH)) == 0 else { throw RuntimeError.setup("detaching the host root", reason: errnoText()) }
        _ = chdir("/")
    }

    private func startAndWait() -> Never {
        let path = resolve(argv[0])
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        let ids = switchTo.flatMap { $0.resolve() }
        if let u = switchTo, ids == nil {
            PlainSystem.warn("vessel: the image's User \(u.text) is not in the image's /etc/passwd\n")
            _exit(125)
        }
        var failedStep: Int32 = 0, childErrno: Int32 = 0
        let pid = Forwarding.signals.withUnsafeBufferPointer { defaults in
            vessel_spawn(path, cArgs, cEnv, defaults.baseAddress, Int32(defaults.count), ids == nil ? 0 : 1,
                         ids?.0 ?? 0, ids?.1 ?? 0, &failedStep, &childErrno)
        }
        guard pid > 0 else {
            PlainSystem.warn("vessel: starting \(argv[0]): \(errnoText())\n")
            _exit(125)
        }
        // On a failure the child has exited (125, 127 or 126): say why; its status is reaped below.
        if failedStep == 1, let (uid, gid) = ids {
            PlainSystem.warn("vessel: switching to the image's User \(uid):\(gid): \(errnoText(childErrno))\n")
        } else if failedStep == 2 {
            PlainSystem.warn("vessel: \(argv[0]): \(errnoText(childErrno))\n")
        }
        Forwarding.install(to: pid)
        // _exit: the handlers Vessel's parent registered with atexit are not this process's to run.
        _exit(Forwarding.waitForExit(of: pid, reapAll: true))
    }

    /// The command as execve wants it: a path, looked up in the container's PATH.
    private func resolve(_ command: String) -> String {
        if command.contains("/") { return command }
        let path = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? EnvironmentPlan.defaultPath
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return command
    }
}

/// Passes the signals a batch system sends (SIGTERM at a time limit, SIGUSR1 as a warning) on
/// to the container's command, and turns its end into an exit status: N, or 128+N for signal N.
enum Forwarding {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH]
    private static var target: pid_t = 0

    static func install(to pid: pid_t) {
        target = pid
        for sig in signals {
            signal(sig) { s in if Forwarding.target > 0 { kill(Forwarding.target, s) } }
        }
    }

    /// Waits for `pid`; as process 1, also reaps orphans that the kernel hands over.
    static func waitForExit(of pid: pid_t, reapAll: Bool) -> Int32 {
        while true {
            var status: Int32 = 0
            let r = Syscall.retrying { waitpid(reapAll ? -1 : pid, &status, 0) }
            if r < 0 { return 125 }
            guard r == pid else { continue }
            let sig = status & 0x7f
            if sig == 0 { return (status >> 8) & 0xff }
            if sig != 0x7f { return 128 + sig }
        }
    }
}
