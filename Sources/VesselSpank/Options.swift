import CVesselSpank
#if canImport(Glibc)
import Glibc
#endif

/// The options the plugin adds to srun, sbatch and salloc. They are registered with
/// spank_option_register from slurm_spank_init, the only way sbatch and salloc see them.
enum Options {
    struct Definition {
        let name: String
        let pointer: UnsafeMutablePointer<spank_option>
    }

    enum ID: Int32 {
        case image = 1, mounts, workdir, env, writable, mountHome, noMountHome, remapRoot, entrypoint, results
    }

    static let all: [Definition] = [
        define(.image, "container-image", "IMAGE", "Run the job in IMAGE: a .sqsh file, or any source vessel build or pull accepts (resolved and converted once, at submission)."),
        define(.mounts, "container-mounts", "SRC:DST[:ro],...", "Bind host paths into the container."),
        define(.workdir, "container-workdir", "PATH", "Working directory inside the container (default: the job's, when the container sees it)."),
        define(.env, "container-env", "NAME,...", "Variables that keep the job's value even where the image sets them."),
        define(.writable, "container-writable", nil, "Let the container write anywhere; the writes vanish when the step ends."),
        define(.mountHome, "container-mount-home", nil, "Bind $HOME into the container."),
        define(.noMountHome, "no-container-mount-home", nil, "Do not bind $HOME into the container."),
        define(.remapRoot, "container-remap-root", nil, "Be root inside the container (mapped to you outside)."),
        define(.entrypoint, "container-entrypoint", nil, "Run the command through the image's Entrypoint."),
        define(.results, "container-results", "DIR", "Give the container a node-local /results; at the end of the job copy it to DIR/USER/JOBID with MANIFEST and provenance.json."),
    ]

    static func definition(_ id: ID) -> Definition { all[Int(id.rawValue) - 1] }

    private static func define(_ id: ID, _ name: String, _ arg: String?, _ usage: String) -> Definition {
        let p = UnsafeMutablePointer<spank_option>.allocate(capacity: 1)
        p.initialize(to: spank_option(name: strdup(name), arginfo: arg.map { strdup($0) } ?? nil, usage: strdup(usage),
                                      has_arg: arg == nil ? 0 : 1, val: id.rawValue, cb: callback))
        return Definition(name: name, pointer: p)
    }

    /// Slurm calls this for each option given, on the submitting side and again in slurmstepd.
    private static let callback: spank_opt_cb_f = { val, optarg, _ in
        let value = optarg.map { String(cString: $0) } ?? ""
        do {
            switch ID(rawValue: val) {
            case .image:
                guard !value.isEmpty else { throw OptionError("container-image", value, "name an image") }
                request.image = value
            case .mounts: request.mounts += try ContainerRequest.parseMounts(value)
            case .workdir:
                guard value.hasPrefix("/") else { throw OptionError("container-workdir", value, "not an absolute path") }
                request.workdir = value
            case .env: request.envNames += try ContainerRequest.parseEnvNames(value)
            case .writable: request.writable = true
            case .mountHome: request.mountHome = true
            case .noMountHome: request.mountHome = false
            case .remapRoot: request.remapRoot = true
            case .entrypoint: request.entrypoint = true
            case .results:
                guard value.hasPrefix("/") else { throw OptionError("container-results", value, "not an absolute path") }
                request.results = value
            case nil: return -1
            }
            return 0
        } catch {
            vessel_spank_error(error.message)
            return -1
        }
    }
}
