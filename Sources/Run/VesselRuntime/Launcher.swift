import CLinux
import Glibc
import VesselBasics
import VesselImage
import VesselSquashFS

/// Starts a container: reads the image's configuration, enters a user, mount and PID
/// namespace, mounts the image through FUSE, starts the container's init, serves the file
/// system while it runs, and returns its exit status.
public struct Launcher {
    public init() {}

    public func run(_ spec: ContainerSpec) throws -> Int32 {
        let log = StepLog(enabled: spec.verbose)
        // Opened once: the signature check, the mount and the unpacker read this same file,
        // whatever its name points at meanwhile (see OpenedFile).
        let file: OpenedFile
        do { file = try OpenedFile(spec.image) } catch {
            switch error as? OpenedFile.Failure {
            case .missing?: throw RuntimeError.imageMissing(spec.image)
            case .notRegular?: throw RuntimeError.imageUnreadable(spec.image, reason: "not a regular file")
            case .cannotOpen(let reason)?: throw RuntimeError.imageUnreadable(spec.image, reason: reason)
            case nil: throw error
            }
        }
        let image = file.path
        // A SIF file's SquashFS partition is served where it lies.
        let region: ImageRegion
        do { region = try ImageRegion.of(fd: file.fd, name: spec.image) } catch {
            throw RuntimeError.imageUnreadable(spec.image, reason: "\(error)".replacingAll("\(spec.image): ", with: ""))
        }
        log("opened \(spec.image) (\(file.size) bytes\(region.isSIF ? ", a SIF file: its SquashFS partition at byte \(region.offset)" : ""))")
        // The site may require a trusted signature (require-signature in vessel.conf).
        try TrustCheck.check(file, environment: PlainSystem.environment())
        log("trust policy: satisfied")
        let host = HostContext.current()
        // Real root needs no user namespace, and the kernel can mount the image itself.
        let privileged = host.uid == 0 && !spec.unpack
        // The FUSE server's reader opens the image before any namespace; it reads the
        // configuration too, which warms its caches for the mount.
        let server = privileged || spec.unpack ? nil : try? ImageServer(image: image, region: region)
        let config: RuntimeConfig?
        do {
            if let server {
                config = try Inspection.runtimeConfig(image: spec.image, read: { try server.readFile($0) })
            } else {
                // Not opened (not SquashFS, say): libsquashfs says why.
                let reader = try SquashFSReader(path: image, display: spec.image)
                config = try Inspection.runtimeConfig(image: spec.image, read: { try reader.readFile($0) })
            }
        } catch {
            throw RuntimeError.imageUnreadable(spec.image, reason: file.named("\(error)").replacingAll("\(spec.image): ", with: ""))
        }
        log("read the image's configuration (\(server == nil ? "libsquashfs" : "the FUSE server's reader"))")
        let gpu = spec.nv ? try gpuPlan(host) : nil
        let plan = try MountPlan(spec: spec, host: host, gpu: gpu)
        let argv = try command(spec, config)
        let uidInside = spec.fakeroot ? 0 : host.uid
        let gidInside = spec.fakeroot ? 0 : host.gid
        let imagePath = PlainSystem.absolute(spec.image)
        // A Slurm step's remapped root has root's home, as under Pyxis; `vessel exec --fakeroot`
        // keeps yours (Apptainer's way), since your home is what is bound in.
        func environment(_ extra: [String: String]) throws -> EnvironmentPlan {
            try EnvironmentPlan(host: host.environment, image: config?.env ?? [], envFiles: spec.envFiles, env: spec.env,
                                cleanEnv: spec.cleanEnv, home: spec.fakeroot && spec.mode == .serve ? "/root" : host.home,
                                extra: extra.merging(["container": "vessel", "VESSEL_CONTAINER": imagePath]) { a, _ in a })
        }
        var env = try environment([:])
        if let gpu { env = try environment(gpu.environment(host: host.environment, image: env)) }
        let workdir = spec.workdir ?? defaultWorkdir(spec, config, plan, host)

        let stage = try stagingDirectory(uid: host.uid)
        if let overlay = spec.overlay { try KeptLayer.open(overlay, uid: host.uid, image: imagePath, size: file.size) }
        let mapping = IDMapping(host: host, fakeroot: spec.fakeroot)
        let user = try imageUser(spec, config, mapping)
        if !privileged && !spec.unpack && server == nil {
            throw RuntimeError.imageUnreadable(spec.image, reason: "libsquashfuse cannot open it as SquashFS")
        }
        if privileged {
            guard unshare(vessel_clone_newns) == 0 else { throw RuntimeError.namespaces(reason: errnoText()) }
        } else {
            try mapping.enter()
        }
        if !spec.unshare.isEmpty {
            var flags: Int32 = 0
            if spec.unshare.contains("net") { flags |= vessel_clone_newnet }
            if spec.unshare.contains("ipc") { flags |= vessel_clone_newipc }
            if spec.unshare.contains("uts") { flags |= vessel_clone_newuts }
            guard unshare(flags) == 0 else { throw RuntimeError.namespaces(reason: "--unshare \(spec.unshare.sorted().joined(separator: ",")): \(errnoText())") }
            if spec.unshare.contains("net"), vessel_loopback_up() != 0 {
                throw RuntimeError.setup("bringing the loopback interface up", reason: errnoText())
            }
        }
        log(privileged ? "entered a mount namespace (as root)" : "entered a user and mount namespace (\(spec.fakeroot ? "root inside" : "yourself inside")\(mapping.subordinate != nil ? ", subordinate ids mapped" : ""))")
        // Nothing mounted from here on may reach the host's mount table.
        try Sys.mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), what: "private mounts")
        try Sys.mount("tmpfs", stage, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0700", what: "the staging area")
        try Sys.mkdirs(stage + "/image")
        var mounted: ImageServer?
        var how = "fuse"
        if spec.unpack {
            try unpack(file, into: stage + "/image")
            how = "unpacked"
        } else if privileged {
            try ImageServer.mountWithKernel(file, region: region, at: stage + "/image")
            how = "kernel"
        } else {
            do {
                mounted = try server!.mount(at: stage + "/image", uid: uidInside, gid: gidInside)
            } catch RuntimeError.fuseUnavailable(let reason) {
                PlainSystem.warn("vessel: FUSE is not usable here (\(reason)); unpacking the image instead\n")
                try unpack(file, into: stage + "/image")
                how = "unpacked"
            }
        }

        log("image mounted at \(stage)/image (\(how))")
        try mounted?.serve(threads: ImageServer.threads(environment: host.environment))
        // The image's WorkingDir and VOLUMEs exist even where its layers lack them (buildah
        // leaves a last WORKDIR out), as podman makes them.
        let imageDirectories = (spec.workdir == nil && workdir == config?.workingDir ? [workdir] : []) + (config?.volumes ?? [])
        let layer = UpperLayer(stage: stage, overlay: spec.overlay, reader: mounted)
        try layer.prepare(plan: plan, host: host, uid: uidInside, gid: gidInside, directories: imageDirectories.filter { $0.hasPrefix("/") })
        log("root prepared: an overlay over the image, " + (spec.overlay.map { "writable, kept in \($0)" } ?? (spec.writable ? "writable (tmpfs)" : "read-only")))
        for line in StepLog.describe(plan) { log("  " + line) }
        let saver = try spec.save.map { try SaveRequest(output: $0, image: file.fd, layer: layer, job: spec.saveJob) }
        // The container's init is process 1 of a PID namespace of its own, with a fresh /proc;
        // a served Slurm step's is not: the tasks that join it stay Slurm's to track.
        if spec.mode != .serve, unshare(vessel_clone_newpid) != 0 { throw RuntimeError.namespaces(reason: errnoText()) }
        let pid = vessel_fork()
        if pid == 0 {
            if let mounted { close(mounted.fuseFD) }
            ContainerInit(stage: stage, plan: plan, spec: spec, host: host, argv: argv,
                          environment: hostAccess(env.strings, spec: spec, host: host, helper: getppid()) + ["VESSEL_IMAGE_MOUNT=\(how)"],
                          workdir: workdir, imageWorkdir: config?.workingDir,
                          fakeChown: spec.fakeroot && !privileged && mapping.subordinate == nil, switchTo: user).run()
        }
        guard pid > 0 else { throw RuntimeError.setup("starting the container", reason: errnoText()) }
        log("init started (pid \(pid)): \(argv.joined(separator: " ")) in \(workdir)")
        // Only the container's first process announces it; the reader waits for end of file.
        if spec.readyFD >= 0 { close(spec.readyFD) }
        if spec.mode == .serve, spec.hostExec != nil { _ = vessel_drop_capabilities() }
        Forwarding.install(to: pid)
        let status = Forwarding.waitForExit(of: pid, reapAll: false)
        guard let saver else { return status }
        log("container ended (status \(status)); saving its root to \(spec.save!)")
        let saved = saver.run()
        // A served step's container ends by SIGTERM; what its helper reports is the save.
        if spec.mode == .serve { return saved ? 0 : 125 }
        return saved || status != 0 ? status : 125
    }

    /// A Slurm step's container reaches Slurm's commands on the host through /.vessel/bin (see
    /// vessel-hostexec): they chroot into the host's root as this process sees it.
    func hostAccess(_ env: [String], spec: ContainerSpec, host: HostContext, helper: pid_t) -> [String] {
        guard spec.mode == .serve, spec.hostExec != nil else { return env }
        return env.map { $0.hasPrefix("PATH=") ? $0 + ":" + MountPlan.hostCommandDirectory : $0 }
            + ["VESSEL_HOST_ROOT=/proc/\(helper)/root", "VESSEL_HOST_PATH=\(host.environment["PATH"] ?? EnvironmentPlan.defaultPath)"]
    }

    /// The driver files --nv brings in; without a driver, a warning, and the container runs
    /// without GPUs, unless the site's vessel.conf says `nv-required = yes`.
    func gpuPlan(_ host: HostContext) throws -> GPUPlan {
        let plan = GPUPlan(names: GPUPlan.configuredNames(environment: host.environment), cache: LdSoCache(),
                           hostPath: host.environment["PATH"] ?? EnvironmentPlan.defaultPath)
        if !plan.hasDriver {
            if SiteConfig.load(environment: host.environment).nvRequired { throw RuntimeError.gpuDriverMissing }
            PlainSystem.warn("vessel: warning: --nv: no NVIDIA driver on this node (no libcuda.so in the ld.so cache); running without GPUs\n")
        }
        return plan
    }

    /// The image's User, for `run --fakeroot` (exec and shell keep you root: being root is what
    /// --fakeroot is for there). Numeric ids only are resolved here; a name is looked up inside.
    func imageUser(_ spec: ContainerSpec, _ config: RuntimeConfig?, _ mapping: IDMapping) throws -> ImageUser? {
        guard spec.fakeroot, spec.mode == .run, let text = config?.user, !text.isEmpty, text != "0", text != "root", text != "0:0" else { return nil }
        let user = ImageUser(text)
        let needsRange = user.uid.map { !mapping.mapsUser($0) } ?? true || !(user.gid.map(mapping.mapsGroup) ?? true)
        if needsRange, mapping.subordinate == nil {
            // One line: what is missing and its fix, as vessel doctor says them.
            let why = mapping.unavailable.map { "\($0.detail) (\($0.fix))" } ?? "there are no subordinate ids"
            PlainSystem.warn("vessel: warning: the image's User \(text) needs subordinate ids, but \(why); running as root\n")
            return nil
        }
        if let uid = user.uid, !mapping.mapsUser(uid) || !(user.gid.map(mapping.mapsGroup) ?? true) {
            PlainSystem.warn("vessel: warning: the image's User \(text) is outside your subordinate range; running as root\n")
            return nil
        }
        return user
    }

    /// Unpacks into the staging tmpfs: private to Vessel's mount namespace, so it vanishes
    /// with it however Vessel ends. It takes memory (tmpfs) as large as the unpacked image.
    func unpack(_ image: OpenedFile, into directory: String) throws {
        do {
            try SquashFSExtractor(image: image.path).extract(to: directory)
        } catch {
            throw RuntimeError.setup("unpacking \(image.name)", reason: image.named("\(error)"))
        }
    }

    /// exec: the given command; run: Entrypoint + (arguments or Cmd), as Docker does; shell: a shell.
    func command(_ spec: ContainerSpec, _ config: RuntimeConfig?) throws -> [String] {
        switch spec.mode {
        case .exec:
            return spec.arguments
        case .run:
            let cmd = spec.arguments.isEmpty ? (config?.cmd ?? []) : spec.arguments
            let full = (config?.entrypoint ?? []) + cmd
            guard !full.isEmpty else { throw RuntimeError.noCommand(spec.image) }
            return full
        case .serve:
            // Not run by the helper: announced, for tasks started with --container-entrypoint.
            return config?.entrypoint ?? []
        case .shell:
            return ["/bin/sh", "-c", "if [ -x /bin/bash ]; then exec /bin/bash \"$@\"; else exec /bin/sh \"$@\"; fi", "sh"] + spec.arguments
        }
    }

    /// exec and shell keep the current directory when the container sees it; run uses the
    /// image's WorkingDir. Either falls back to the image's WorkingDir, then /.
    func defaultWorkdir(_ spec: ContainerSpec, _ config: RuntimeConfig?, _ plan: MountPlan, _ host: HostContext) -> String {
        if spec.mode != .run, plan.exposes(host.cwd) { return host.cwd }
        return config?.workingDir ?? "/"
    }

    /// A directory to mount the staging tmpfs on: one per user, made once, never holding
    /// anything on the host (every mount on it is private to a container's namespace).
    func stagingDirectory(uid: UInt32) throws -> String {
        let dir = "/tmp/.vessel-\(uid)"
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw RuntimeError.setup(dir, reason: errnoText()) }
        var st = stat()
        guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == uid else {
            throw RuntimeError.setup(dir, reason: "exists but is not a directory owned by you; remove it")
        }
        return dir
    }
}
