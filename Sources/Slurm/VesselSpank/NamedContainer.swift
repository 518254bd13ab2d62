import CVesselSpank
import VesselBasics
import VesselSpankRequest
import VesselWire
#if canImport(Glibc)
import Glibc
#endif

/// A named container on a node (--container-name, Pyxis's): a kept overlay (OverlayDirectory)
/// that the steps naming it start from, in
///
///     CONTAINERS/vessel-containers/UID/job-JOBID/NAME   (container-scope=job, the default)
///     CONTAINERS/vessel-containers/UID/NAME             (container-scope=global)
///
/// UID is the user's own (UserDirectory), so no one else can read, plant or swap anything in
/// it. Beside the overlay, `lock` is held (flock, exclusive) by the step whose container runs
/// on it, for as long as it runs, and `running` holds that container's announcement: a step
/// that finds the lock taken joins it (or, with no_exec, waits for it), so that two overlay
/// mounts never share one upper layer.
final class NamedContainer {
    static let directoryName = "vessel-containers"

    let name: ContainerName
    let directory: String
    /// This step's hold on `lock` while its container runs on the overlay.
    private let lockFD: Int32
    /// `running`, opened by the user: written once the container is announced, emptied at its end
    /// (by slurmstepd, as root, through this descriptor only).
    private let runningFD: Int32

    static func userDirectory(_ config: PluginConfig, uid: uid_t) -> String {
        "\(config.containers)/\(directoryName)/\(uid)"
    }

    static func jobDirectory(_ config: PluginConfig, uid: uid_t, job: UInt32) -> String {
        userDirectory(config, uid: uid) + "/job-\(job)"
    }

    /// What a step does with a name: start a container on its overlay (made from `image` when
    /// new), or join the one running on it.
    enum Claim {
        case start(NamedContainer, image: String?)
        case join(Announcement)
    }

    private init(name: ContainerName, directory: String, lockFD: Int32, runningFD: Int32) {
        self.name = name
        self.directory = directory
        self.lockFD = lockFD
        self.runningFD = runningFD
    }

    deinit {
        close(lockFD)
        close(runningFD)
    }

    /// As the job's user (user_init). Pyxis's rules: `create` refuses an existing container,
    /// `exec` a stopped one; `no_exec` never joins; a new container needs --container-image.
    static func claim(_ name: ContainerName, config: PluginConfig, uid: uid_t, job: UInt32) throws -> Claim {
        let user = userDirectory(config, uid: uid)
        var parent = user
        if config.containerScope == .job {
            parent = jobDirectory(config, uid: uid, job: job)
            close(try UserDirectory.open(user, uid: uid, below: "job-\(job)", option: "--container-name"))
        } else {
            close(try UserDirectory.open(user, uid: uid, option: "--container-name"))
        }
        let directory = parent + "/" + name.name
        try makeDirectory(directory)
        let lockFD = open(directory + "/lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw OptionError("--container-name=\(name.name): \(directory)/lock: \(errnoText())") }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            switch name.flag {
            case .create:
                close(lockFD)
                throw OptionError("--container-name=\(name.name):create: the container exists (and runs)")
            case .auto, .exec:
                defer { close(lockFD) }
                return .join(try announcement(of: directory, lockFD: lockFD, name: name))
            case .noExec:
                vessel_spank_info("--container-name=\(name.name):no_exec: waiting for the step running it to end")
                // Within start-timeout, as every wait of slurmstepd's for the user: a step that
                // waited on the lock itself held slurmstepd past scancel.
                guard waitForLock(lockFD, seconds: config.startTimeout) else {
                    close(lockFD)
                    throw OptionError("--container-name=\(name.name):no_exec: the step running it did not end within \(Int(config.startTimeout)) s (plugstack.conf start-timeout=)")
                }
            }
        }
        let runningFD = open(directory + "/running", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard runningFD >= 0 else {
            close(lockFD)
            throw OptionError("--container-name=\(name.name): \(directory)/running: \(errnoText())")
        }
        _ = ftruncate(runningFD, 0)
        let container = NamedContainer(name: name, directory: directory, lockFD: lockFD, runningFD: runningFD)
        let base = OverlayDirectory(directory).base()
        if name.flag == .create, base != nil { throw OptionError("--container-name=\(name.name):create: the container exists") }
        if name.flag == .exec {
            container.discardIfNeverStarted()
            throw OptionError("--container-name=\(name.name):exec: the container does not run")
        }
        return .start(container, image: base?.image)
    }

    /// The lock, taken within `seconds`; false when it was not.
    private static func waitForLock(_ fd: Int32, seconds: Double) -> Bool {
        for _ in 0..<max(1, Int(seconds * 10)) {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            usleep(100_000)
        }
        return false
    }

    /// A container that was never made (a refused step, an image that could not be had) leaves
    /// no directory behind: its lock and record go with the directory, while this step holds
    /// the lock. One that has an overlay is kept.
    func discardIfNeverStarted() {
        guard OverlayDirectory(directory).base() == nil else { return }
        unlink(directory + "/running")
        unlink(directory + "/lock")
        rmdir(directory)
    }

    /// The running container's announcement, once its step has written it (it holds the lock
    /// from before its container is made).
    private static func announcement(of directory: String, lockFD: Int32, name: ContainerName) throws -> Announcement {
        for _ in 0..<600 {
            let fd = open(directory + "/running", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 {
                let text = readAll(fd, limit: Announcement.maximumBytes)
                close(fd)
                let a = Announcement(decoding: text)
                if a.pid != nil { return a }
            }
            // Stopped meanwhile: then it is not running any more.
            if flock(lockFD, LOCK_EX | LOCK_NB) == 0 {
                throw OptionError("--container-name=\(name.name): the container stopped while this step was joining it; run the step again")
            }
            usleep(100_000)
        }
        throw OptionError("--container-name=\(name.name): the step running it has not made it within 60 s")
    }

    /// The user's directory for it, made 0700 if missing; never a symbolic link.
    private static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST { throw OptionError("--container-name: cannot create \(path): \(errnoText())") }
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { throw OptionError("--container-name: \(path) is not a directory") }
    }

    /// Once its container is announced: steps naming it now join it.
    func recordRunning(_ announcement: String) {
        _ = ftruncate(runningFD, 0)
        _ = announcement.withCString { pwrite(runningFD, $0, strlen($0), 0) }
    }

    /// At the end of the step, once its container has stopped.
    func release() {
        _ = ftruncate(runningFD, 0)
        _ = flock(lockFD, LOCK_UN)
    }
}
