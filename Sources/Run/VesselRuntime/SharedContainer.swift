import CLinux
import Glibc
import VesselBasics

/// One container for several `vessel exec`s of one user on one node: the tasks of an
/// `srun vessel exec` step (by themselves), or every `vessel exec --join KEY`. The first to come
/// starts it, as the Slurm plugin's helper does (a served container, `ContainerSpec.Mode.serve`);
/// each, the first too, joins its user and mount namespaces and execs its command there. There
/// is no PID namespace of the container's own, so MPI ranks see one another, and OpenMPI's
/// shared memory and CMA work between them (in containers of their own, ranks crash in vader:
/// "CMA is not available due to different user namespaces"). They meet through files in the
/// user's private staging directory (/tmp/.vessel-UID/shared), under a lock: NAME.announce says
/// which process to join; NAME.members is locked shared by every task in the container (the
/// descriptor stays open across exec, so the lock lasts as long as the task and what it
/// starts), and the container ends once it can lock it exclusively.
public struct SharedContainer {
    /// The key, and a digest of what was asked for (image and options): tasks that ask for
    /// different containers under one key do not share one.
    let name: String
    let directory: String

    /// Nil when this start has its own container: not exec, --no-join, or neither --join nor a
    /// Slurm step of more than one task.
    public init?(spec: ContainerSpec, uid: UInt32, lookup: (String) -> String? = { getenv($0).map { String(cString: $0) } }) throws {
        guard spec.mode == .exec, !spec.noJoin else { return nil }
        let key: String
        if let given = spec.join {
            key = given
        } else if let job = lookup("SLURM_JOB_ID"), let step = lookup("SLURM_STEP_ID"),
                  let tasks = (lookup("SLURM_STEP_NUM_TASKS") ?? lookup("SLURM_NTASKS")).flatMap({ Int($0) }), tasks > 1 {
            key = "slurm-\(job).\(step)"
        } else {
            return nil
        }
        name = key + "-" + Self.digest(of: spec)
        directory = try Launcher().stagingDirectory(uid: uid) + "/shared"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw RuntimeError.setup(directory, reason: errnoText()) }
    }

    /// FNV-1a of the image's path and every option but the command.
    static func digest(of spec: ContainerSpec) -> String {
        var s = spec
        s.image = PlainSystem.absolute(spec.image)
        s.arguments = []
        s.verbose = false
        s.unshare = []    // a Set: its order differs from process to process
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (String(describing: s) + spec.unshare.sorted().joined(separator: ",")).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// Joins the shared container, starting it if none is running, and runs the command there.
    public func run(_ spec: ContainerSpec) throws -> Never {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let cwd = getcwd(&buffer, buffer.count).map { _ in String(cString: buffer) }
        let lock = open(directory + "/" + name + ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0, Syscall.retrying({ flock(lock, LOCK_EX) }) == 0 else {
            throw RuntimeError.setup("the shared container's lock in \(directory)", reason: errnoText())
        }
        let announcement: Announcement
        if let running = running(), becomeMember(creating: false) != nil {
            announcement = running
        } else {
            announcement = try start(spec, lock: lock)
        }
        close(lock)
        try join(announcement, spec: spec, cwd: cwd)
    }

    var membersPath: String { directory + "/" + name + ".members" }

    /// Locks the members file shared, on a descriptor left open across exec. Nil when the
    /// container is ending (it holds the file exclusively) or there is none.
    func becomeMember(creating: Bool) -> Int32? {
        if creating { unlink(membersPath) }    // the ending container keeps its own (old) file
        let fd = open(membersPath, creating ? O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW : O_RDONLY | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { close(fd); return nil }
        return fd
    }

    var announcementPath: String { directory + "/" + name + ".announce" }

    /// The container announced, when its process still runs (the same process: its start time
    /// is recorded with it, so a recycled pid is not taken for it).
    func running() -> Announcement? {
        guard let text = PlainSystem.readText(announcementPath) else { return nil }
        let a = Announcement(decoding: text)
        guard let pid = a.pid, let started = text.split(separator: "\0").first(where: { $0.hasPrefix("STARTED\t") }),
              Self.startTime(of: pid) == String(started.dropFirst("STARTED\t".count)) else { return nil }
        return a
    }

    /// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.
    static func startTime(of pid: Int32) -> String? {
        guard let text = PlainSystem.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Starts the container in a process of its own session, with no terminal and none of the
    /// task's output (srun would wait for it), and records its announcement.
    func start(_ spec: ContainerSpec, lock: Int32) throws -> Announcement {
        guard let member = becomeMember(creating: true) else { throw RuntimeError.setup(membersPath, reason: errnoText()) }
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw RuntimeError.setup("a pipe", reason: errnoText()) }
        let child = vessel_fork()
        if child == 0 {
            close(fds[0])
            close(lock)
            // Its own open file of the members (a lock belongs to the open file, and the task's
            // shared one must not be the container's too).
            let members = open("/proc/self/fd/\(member)", O_RDONLY | O_CLOEXEC)
            close(member)
            // Twice, so that the container's process is nobody's child here.
            if vessel_fork() != 0 { _exit(0) }
            setsid()
            let null = open("/dev/null", O_RDWR)
            for fd: Int32 in 0...2 { dup2(null, fd) }
            var serve = spec
            serve.mode = .serve
            serve.arguments = []
            serve.readyFD = fds[1]
            serve.membersFD = members
            do { _ = try Launcher().run(serve) } catch { Announcement(failure: "\(error)").write(to: fds[1]) }
            _exit(0)
        }
        close(fds[1])
        guard child > 0 else { close(fds[0]); throw RuntimeError.setup("starting the shared container", reason: errnoText()) }
        _ = Syscall.wait(child)
        let reply = Syscall.readAll(fds[0]) ?? []
        close(fds[0])
        let a = Announcement(decoding: String(decoding: reply, as: UTF8.self))
        if let failure = a.error { throw RuntimeError.setup("starting the shared container", reason: failure) }
        guard let pid = a.pid, let started = Self.startTime(of: pid) else {
            throw RuntimeError.setup("starting the shared container", reason: "it ended before it was ready")
        }
        let text = (a.records + ["STARTED\t" + started]).joined(separator: "\0")
        let temporary = announcementPath + ".\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        let written = fd >= 0 && Syscall.writeAll(fd, Array(text.utf8))
        if fd >= 0 { close(fd) }
        guard written, rename(temporary, announcementPath) == 0 else {
            throw RuntimeError.setup(announcementPath, reason: errnoText())
        }
        return a
    }

    /// Enters the container and execs the command: in --pwd, else in the current directory
    /// when the container sees it, else in the image's WorkingDir, else in /.
    func join(_ a: Announcement, spec: ContainerSpec, cwd: String?) throws -> Never {
        guard let pid = a.pid, vessel_join_namespaces(pid) == 0 else {
            throw RuntimeError.setup("joining the shared container \(name)", reason: errnoText())
        }
        if a.fakeChown, vessel_fake_chown() != 0 {
            throw RuntimeError.setup("faking chown for root without subordinate ids", reason: errnoText())
        }
        for (k, v) in a.set { setenv(k, v, 1) }
        for k in a.unset { unsetenv(k) }
        if let dir = spec.workdir {
            guard chdir(dir) == 0 else { throw RuntimeError.setup("--pwd \(dir)", reason: "\(errnoText()) in the container") }
        } else {
            _ = a.startingDirectories(taskDirectory: cwd, imageFirst: false).first { chdir($0) == 0 }
        }
        let argv = spec.arguments.map { strdup($0) } + [nil]
        execvp(spec.arguments[0], argv)
        let code = errno
        PlainSystem.warn("vessel: \(spec.arguments[0]): \(errnoText(code))\n")
        _exit(code == ENOENT ? 127 : 126)
    }
}
