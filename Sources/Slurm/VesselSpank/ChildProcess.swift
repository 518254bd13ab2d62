import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

/// A process the plugin started as the job's user, held by a pidfd made with it (clone3). Root's
/// side of the plugin (slurmstepd, the epilog) signals and reaps it only through that
/// descriptor: the user owns the process and may end it, slurmstepd may reap it, and its pid may
/// then belong to anyone else's process; a pidfd never names another process.
final class ChildProcess {
    let pid: pid_t
    private let pidfd: Int32

    private init(pid: pid_t, pidfd: Int32) {
        self.pid = pid
        self.pidfd = pidfd
    }

    deinit { close(pidfd) }

    /// Starts `args` as `uid`/`gid` with all of the user's supplementary groups (a group
    /// results root needs them; the epilog runs with root's).
    static func spawn(_ args: [String], environment: [String], directory: String, uid: uid_t, gid: gid_t,
                      readyFD: Int32 = -1, errorFD: Int32 = -1) -> ChildProcess? {
        let groups = supplementaryGroups(uid: uid, gid: gid)
        var pidfd: Int32 = -1
        let pid = withCStrings(args) { argv in
            withCStrings(environment) { envp in
                groups.withUnsafeBufferPointer { g in
                    vessel_spank_spawn(args[0], argv, envp, directory, uid, gid, g.baseAddress, Int32(g.count), readyFD, errorFD, &pidfd)
                }
            }
        }
        guard pid > 0 else { return nil }
        return ChildProcess(pid: pid, pidfd: pidfd)
    }

    /// The user's groups as the system's databases say (getgrouplist), looked up before the fork.
    static func supplementaryGroups(uid: uid_t, gid: gid_t) -> [gid_t] {
        guard let pw = getpwuid(uid) else { return [gid] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(pw.pointee.pw_name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(pw.pointee.pw_name, gid, &groups, &count) >= 0 else { return [gid] }
        }
        return Array(groups.prefix(Int(count)))
    }

    /// Sends a signal; nothing happens once the process has ended.
    func signal(_ sig: Int32) { _ = vessel_spank_signal(pidfd, sig) }

    /// Waits at most `seconds` for it to end, then kills it (through the pidfd) and reaps it:
    /// root never waits on a user's process without a deadline. Its status as waitpid gives it,
    /// or nil when it had to be killed (`killed` is then true) or someone else reaped it.
    func wait(within seconds: Double) -> (status: Int32?, killed: Bool) {
        var status: Int32 = -1
        for _ in 0..<max(1, Int(seconds * 20)) {
            let r = vessel_spank_reap(pidfd, &status, 1)
            if r != 0 { return (r == 1 && status >= 0 ? status : nil, false) }
            usleep(50_000)
        }
        signal(SIGKILL)
        _ = vessel_spank_reap(pidfd, &status, 0)
        return (nil, true)
    }

    /// SIGTERM, then SIGKILL when it is still there after `grace` seconds; reaped either way.
    /// Its status as waitpid gives it, or nil when it had to be killed or someone else reaped it.
    @discardableResult
    func stop(grace: Double = 5) -> Int32? {
        signal(SIGTERM)
        var status: Int32 = -1
        for _ in 0..<max(1, Int(grace * 20)) {
            if vessel_spank_reap(pidfd, &status, 1) != 0 { return status >= 0 ? status : nil }
            usleep(50_000)
        }
        signal(SIGKILL)
        _ = vessel_spank_reap(pidfd, &status, 0)
        return nil
    }
}
