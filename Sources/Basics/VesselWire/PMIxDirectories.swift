import VesselBasics

/// The directories Slurm's PMIx plugin hands an MPI task, which the container must show at the
/// same paths: the PMIx server's directory (its rendezvous files and the shared-memory
/// "dstore" segments clients map) lies in slurmd's spool, which no image has and a private
/// /tmp hides. PMI-2 (`--mpi=pmi2`) needs none: its tasks talk over an inherited descriptor
/// (PMI_FD), which the container keeps.
///
/// Two ways to the same directory, one for each path into a container:
/// - `srun vessel exec`: the task's environment names them (`PMIX_SERVER_TMPDIR` and the
///   dstore paths), so `named(in:)` reads them there.
/// - The plugin: the container is made in `user_init`, before Slurm sets those variables for
///   the tasks; the server's directory is already made then, at Slurm's fixed place,
///   `SlurmdSpoolDir/pmix.JOBID.STEPID` (`serverDirectory`), as Enroot's PMIx hook finds it.
public enum PMIxDirectories {
    /// Variables of the task's environment that name a directory of the step's PMIx server.
    /// PMIX_SYSTEM_TMPDIR is left out: it is the node's /tmp, and a system server is not
    /// what a Slurm task talks to; binding it would undo a private /tmp.
    public static let variables = ["PMIX_SERVER_TMPDIR", "PMIX_DSTORE_21_BASE_PATH", "PMIX_DSTORE_ESH_BASE_PATH"]

    /// The directories the environment names, as clean absolute paths, each once; a
    /// directory inside another of them is left out (the outer one carries it along).
    public static func named(in environment: [String: String]) -> [String] {
        var dirs: [String] = []
        for name in variables {
            guard let value = environment[name], value.hasPrefix("/") else { continue }
            let dir = clean(value)
            guard dir != "/", !dirs.contains(where: { dir == $0 || dir.hasPrefix($0 + "/") }) else { continue }
            dirs.removeAll { $0.hasPrefix(dir + "/") }
            dirs.append(dir)
        }
        return dirs
    }

    /// Where Slurm's PMIx plugin makes a step's server directory: slurmd's spool directory
    /// (with `%n`, the node's name, and `%h`, its host name, expanded as slurmd does) and
    /// `pmix.JOBID.STEPID`.
    public static func serverDirectory(spool: String, node: String, host: String, job: UInt32, step: UInt32) -> String {
        var expanded = ""
        var percent = false
        for c in spool {
            if percent {
                switch c {
                case "n": expanded += node
                case "h": expanded += host
                default: expanded.append("%"); expanded.append(c)
                }
                percent = false
            } else if c == "%" {
                percent = true
            } else {
                expanded.append(c)
            }
        }
        if percent { expanded.append("%") }
        return clean(expanded) + "/pmix.\(job).\(step)"
    }

    /// "/a//b/./c/" -> "/a/b/c" (no symlinks are resolved: the path is bound as written).
    static func clean(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }
}
