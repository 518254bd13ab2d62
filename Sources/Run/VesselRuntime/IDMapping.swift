import CLinux
import Glibc
import VesselBasics
import VesselImage

/// How users inside the container map to users outside. Without --fakeroot, one id: you are
/// yourself. With --fakeroot, you are root; when /etc/subuid and /etc/subgid give you a range
/// and newuidmap is installed, ids 1..N map to that range too, so that an image's User (say
/// 1000) exists inside. Only the setuid newuidmap may write such a map, from outside.
struct IDMapping {
    struct Range: Equatable { let start: UInt32; let count: UInt32 }

    let uid: UInt32
    let gid: UInt32
    let fakeroot: Bool
    /// Subordinate ranges, when --fakeroot can use them.
    let subordinate: (uids: Range, gids: Range)?
    /// Why there are none (with --fakeroot), for the warning when an image's User needs them.
    let unavailable: SubordinateIDs.Missing?

    init(host: HostContext, fakeroot: Bool) {
        uid = host.uid
        gid = host.gid
        self.fakeroot = fakeroot
        switch fakeroot ? SubordinateIDs.find(userName: host.userName, uid: host.uid) : .failure(.notAsked) {
        case .success(let ranges):
            subordinate = ranges
            unavailable = nil
        case .failure(let missing):
            subordinate = nil
            unavailable = missing == .notAsked ? nil : missing
        }
    }

    /// Whether `id` exists inside (so that the container may switch to it).
    func mapsUser(_ id: UInt32) -> Bool {
        if id == (fakeroot ? 0 : uid) { return true }
        guard let s = subordinate else { return false }
        return id >= 1 && id <= s.uids.count
    }

    func mapsGroup(_ id: UInt32) -> Bool {
        if id == (fakeroot ? 0 : gid) { return true }
        guard let s = subordinate else { return false }
        return id >= 1 && id <= s.gids.count
    }

    /// Enters a new user and mount namespace with this mapping. With subordinate ids a helper,
    /// forked first, runs newuidmap and newgidmap on this process once it is inside.
    func enter() throws {
        guard let s = subordinate else {
            return try UserNamespace.enter(uid: uid, gid: gid, fakeroot: fakeroot)
        }
        var go: [Int32] = [0, 0], done: [Int32] = [0, 0]
        guard pipe(&go) == 0, pipe(&done) == 0 else { throw RuntimeError.namespaces(reason: errnoText()) }
        let target = getpid()
        let helper = vessel_fork()
        if helper == 0 {
            close(go[1]); close(done[0])
            var byte: UInt8 = 0
            guard Glibc.read(go[0], &byte, 1) == 1 else { _exit(1) }
            let ok = Self.run(SubordinateIDs.newuidmap, ["\(target)", "0", "\(uid)", "1", "1", "\(s.uids.start)", "\(s.uids.count)"])
                && Self.run(SubordinateIDs.newgidmap, ["\(target)", "0", "\(gid)", "1", "1", "\(s.gids.start)", "\(s.gids.count)"])
            var result: UInt8 = ok ? 1 : 0
            _ = Glibc.write(done[1], &result, 1)
            _exit(0)
        }
        close(go[0]); close(done[1])
        defer { close(go[1]); close(done[0]) }
        guard helper > 0 else { throw RuntimeError.namespaces(reason: errnoText()) }
        do { try Sys.unshareUserAndMount() } catch { kill(helper, SIGKILL); throw error }
        var byte: UInt8 = 1
        _ = Glibc.write(go[1], &byte, 1)
        var result: UInt8 = 0
        let n = Glibc.read(done[0], &result, 1)
        var status: Int32 = 0
        waitpid(helper, &status, 0)
        guard n == 1, result == 1 else {
            throw RuntimeError.namespaces(reason: "newuidmap/newgidmap could not map your subordinate ids (see vessel doctor)")
        }
    }

    private static func run(_ path: String, _ args: [String]) -> Bool {
        let pid = vessel_fork()
        if pid == 0 {
            let argv = ([path] + args).map { strdup($0) } + [nil]
            let devnull = open("/dev/null", O_WRONLY)
            if devnull >= 0 { dup2(devnull, 1) }
            execv(path, argv)
            _exit(127)
        }
        var status: Int32 = 0
        guard pid > 0, waitpid(pid, &status, 0) == pid else { return false }
        return status == 0
    }
}
