import VesselSpankRequest
import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

/// The node-local directory a job's containers see as /results (--container-results), until
/// the job's epilog collects it: SCRATCH/vessel-results/UID/JOBID.NODE. The node name is part
/// of it because several slurmd may share a host (and its /tmp).
///
/// SCRATCH is shared (/tmp by default), so a user could make any name there first: root makes
/// SCRATCH/vessel-results/UID (UserDirectory) in the step's root phase; the job's user then
/// makes JOBID.NODE in a directory only they and root can write to.
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
        try UserDirectory.prepare(in: config.resultsScratch, named: directoryName, uid: uid, gid: gid, option: "--container-results")
    }

    /// As the job's user (user_init): JOBID.NODE in the user's directory, reached safely.
    static func create(_ config: PluginConfig, uid: uid_t, job: UInt32, node: String) throws -> String {
        guard !node.isEmpty, !node.contains("/") else { throw OptionError("--container-results: the node's name \(node) cannot name a directory") }
        close(try UserDirectory.open(userDirectory(config, uid: uid), uid: uid, below: "\(job).\(node)", option: "--container-results"))
        return path(config, uid: uid, job: job, node: node)
    }
}
