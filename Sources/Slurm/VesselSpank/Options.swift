import CVesselSpank
import VesselSpankRequest
import VesselWire
#if canImport(Glibc)
import Glibc
#endif

/// The options the plugin adds to srun, sbatch and salloc, registered from the option table
/// (VesselWire's ContainerOption) with spank_option_register from slurm_spank_init, the only
/// way sbatch and salloc see them. Each option's `val` is its place in the table's plugin list.
enum Options {
    struct Definition {
        let option: ContainerOption
        let spelling: ContainerOption.Spelling
        let pointer: UnsafeMutablePointer<spank_option>
    }

    static let all: [Definition] = ContainerOption.pluginOptions.enumerated().map { i, option in
        let s = option.plugin!
        let p = UnsafeMutablePointer<spank_option>.allocate(capacity: 1)
        p.initialize(to: spank_option(name: strdup(s.long), arginfo: s.valueName.map { strdup($0) } ?? nil, usage: strdup(s.help),
                                      has_arg: s.kind == .flag ? 0 : 1, val: Int32(i + 1), cb: callback))
        return Definition(option: option, spelling: s, pointer: p)
    }

    static func definition(_ id: ContainerOption.ID) -> Definition { all.first { $0.option.id == id }! }

    /// Slurm calls this for each option given, on the submitting side and again in slurmstepd;
    /// ContainerRequest.take is idempotent, so a second call with the same value changes nothing.
    private static let callback: spank_opt_cb_f = { val, optarg, _ in
        guard val >= 1, Int(val) <= all.count else { return -1 }
        do {
            try state.request.take(all[Int(val) - 1].option.id, optarg.map { String(cString: $0) })
            return 0
        } catch {
            vessel_spank_error(error.message)
            return -1
        }
    }
}
