import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

/// The node-local directory a job's containers see as /results (--container-results), until
/// the job's epilog collects it: SCRATCH/vessel-UID/JOBID.NODE. The node name is part of it
/// because several slurmd may share a host (and its /tmp).
enum ResultsScratch {
    static func path(_ config: PluginConfig, uid: uid_t, job: UInt32, node: String) -> String {
        "\(config.resultsScratch)/vessel-\(uid)/\(job).\(node)"
    }

    /// Creates it as the job's user (user_init runs with the user's effective ids), refusing a
    /// parent that someone else made.
    static func create(_ config: PluginConfig, uid: uid_t, job: UInt32, node: String) throws -> String {
        let parent = "\(config.resultsScratch)/vessel-\(uid)"
        if mkdir(parent, 0o700) != 0, errno != EEXIST {
            throw OptionError("--container-results: cannot create \(parent): \(String(cString: strerror(errno)))")
        }
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
