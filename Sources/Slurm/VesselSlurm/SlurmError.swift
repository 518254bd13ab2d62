/// A Slurm call that failed, named with what it was for.
public enum SlurmError: Error, CustomStringConvertible, Equatable {
    /// No slurm.conf here: this machine is not a Slurm client.
    case notConfigured
    /// libslurm could not be loaded (the `libslurm38` package is missing).
    case notInstalled(String)
    case unreachable(String)
    case call(String, String)
    case noSuchJob(UInt32)

    public var description: String {
        switch self {
        case .notConfigured:
            return "Slurm is not configured on this machine: no $SLURM_CONF and no /etc/slurm/slurm.conf"
        case .notInstalled(let why): return "Slurm's library is not usable here: \(why)"
        case .unreachable(let why): return "cannot reach the Slurm controller: \(why)"
        case .call(let what, let why): return "\(what): \(why)"
        case .noSuchJob(let id): return "Slurm does not know job \(id) (finished jobs are forgotten after MinJobAge)"
        }
    }
}
