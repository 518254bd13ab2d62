import VesselSpankRequest
import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

/// The node-local directory a job's containers see as /results (--container-results), until
/// the job's epilog collects it: SCRATCH/vessel-results/UID/JOBID.NODE. The node name is part
/// of it because several slurmd may share a host (and its /tmp).
///
/// SCRATCH is shared (/tmp by default), so a user could make any name there first. Root makes
/// SCRATCH/vessel-results (root's, 0755: a squatter's is moved aside) and UID in it (then
/// handed to the user, 0700) in the step's root phase, before privileges are dropped; the
/// job's user then makes JOBID.NODE in a directory only they and root can write to.
enum ResultsScratch {
    static let directoryName = "vessel-results"

    static func userDirectory(_ config: PluginConfig, uid: uid_t) -> String {
        "\(config.resultsScratch)/\(directoryName)/\(uid)"
    }

    static func path(_ config: PluginConfig, uid: uid_t, job: UInt32, node: String) -> String {
        userDirectory(config, uid: uid) + "/\(job).\(node)"
    }

    /// As root (slurmstepd's init_post_opt): SCRATCH/vessel-results and SCRATCH/vessel-results/UID.
    /// Idempotent: Slurm may call it for every step.
    static func prepare(_ config: PluginConfig, uid: uid_t, gid: gid_t) throws {
        let top = config.resultsScratch + "/" + directoryName
        let scratch = open(config.resultsScratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard scratch >= 0 else { throw OptionError("--container-results: \(config.resultsScratch): \(String(cString: strerror(errno)))") }
        defer { close(scratch) }
        let base = try rootOwnedDirectory(in: scratch, named: directoryName, shown: top)
        defer { close(base) }
        let name = "\(uid)"
        if mkdirat(base, name, 0o700) != 0, errno != EEXIST {
            throw OptionError("--container-results: cannot create \(top)/\(name): \(String(cString: strerror(errno)))")
        }
        // Only root writes in `base`, so what is there is root's making: hand it to the user.
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw OptionError("--container-results: \(top)/\(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchown(fd, uid, gid) == 0, fchmod(fd, 0o700) == 0 else {
            throw OptionError("--container-results: \(top)/\(name): \(String(cString: strerror(errno)))")
        }
    }

    /// `name` in `parent` as a directory of root's that no one else may write to, made if
    /// missing; one that is not (a user made it first) is moved aside, never used.
    private static func rootOwnedDirectory(in parent: Int32, named name: String, shown: String) throws -> Int32 {
        for _ in 0..<3 {
            if mkdirat(parent, name, 0o755) != 0, errno != EEXIST {
                throw OptionError("--container-results: cannot create \(shown): \(String(cString: strerror(errno)))")
            }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var st = stat()
            if fd >= 0, fstat(fd, &st) == 0, st.st_uid == 0, st.st_mode & 0o022 == 0 { return fd }
            if fd >= 0 { close(fd) }
            // Someone else's (or not a directory): renamed, not removed, so that nothing of
            // theirs is lost and nothing of theirs is followed.
            let aside = "\(name).not-root.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
            guard renameat(parent, name, parent, aside) == 0 else {
                throw OptionError("--container-results: \(shown) is not root's and cannot be moved aside: \(String(cString: strerror(errno)))")
            }
            vessel_spank_info("\(shown) was not root's; moved aside to \(aside)")
        }
        throw OptionError("--container-results: \(shown) keeps being replaced; refused")
    }

    /// As the job's user (user_init): JOBID.NODE in the user's directory.
    static func create(_ config: PluginConfig, uid: uid_t, job: UInt32, node: String) throws -> String {
        let parent = userDirectory(config, uid: uid)
        var st = stat()
        guard lstat(parent, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == uid else {
            throw OptionError("--container-results: \(parent) is not a directory of the job's user")
        }
        let dir = path(config, uid: uid, job: job, node: node)
        if mkdir(dir, 0o700) != 0, errno != EEXIST {
            throw OptionError("--container-results: cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        return dir
    }
}
