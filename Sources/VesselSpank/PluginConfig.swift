/// The plugin's arguments in plugstack.conf, e.g.
///     required /usr/lib/vessel/libvessel-spank.so runtime=/usr/bin/vessel cache=/shared/vessel mount-home=yes mounts=/scratch:/scratch
struct PluginConfig {
    /// The vessel binary the plugin runs (on the submitting host and on the nodes).
    var runtime = "/usr/bin/vessel"
    /// VESSEL_CACHE for the conversion at submission: a directory every node can read.
    var cache: String?
    /// Whether $HOME is bound when the user says neither --container-mount-home nor --no-...
    var mountHome = true
    /// Mounts every container gets, before the user's.
    var mounts: [ContainerRequest.Mount] = []

    init() {}

    init(arguments: [String]) throws {
        for arg in arguments {
            guard let eq = arg.firstIndex(of: "=") else { throw OptionError("plugstack.conf: \(arg): expected KEY=VALUE") }
            let key = String(arg[..<eq]), value = String(arg[arg.index(after: eq)...])
            switch key {
            case "runtime": runtime = value
            case "cache": cache = value
            case "mount-home":
                guard value == "yes" || value == "no" else { throw OptionError("plugstack.conf: mount-home takes yes or no") }
                mountHome = value == "yes"
            case "mounts": mounts = try ContainerRequest.parseMounts(value)
            default: throw OptionError("plugstack.conf: unknown argument \(key) (known: runtime, cache, mount-home, mounts)")
            }
        }
    }
}
