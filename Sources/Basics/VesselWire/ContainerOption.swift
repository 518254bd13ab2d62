/// Every container option, once: how `vessel exec|run|shell` spell it (ArgumentParser's
/// declarations, QuickStart and the shell completions are made from this) and how the Slurm
/// plugin spells it for srun, sbatch and salloc (its SPANK options are registered from this).
/// A new option is a row here plus its behaviour (`ContainerChoices.take` for the CLI, the
/// plugin's `ContainerRequest.take`); OptionTableTests walks the table against every front.
public struct ContainerOption: Sendable {
    public enum ID: Sendable, CaseIterable {
        // vessel exec|run|shell, and the plugin where it has the same meaning
        case bind, env, envFile, cleanEnv, fakeroot, writable, contain, noHome, workdir, unpack, nv, verbose, unshare, save
        // the CLI's own
        case join, noJoin, overlay
        // the plugin's own
        case image, keepEnv, mountHome, entrypoint, results, readonly, noRemapRoot, noEntrypoint, entrypointLog, name
    }

    /// A spelling on one command line.
    public struct Spelling: Sendable {
        public enum Kind: Sendable, Equatable {
            case flag
            /// One value (the last given wins).
            case value(String)
            /// Repeatable: every value given counts.
            case values(String)
        }

        public let long: String
        public let short: Character?
        public let kind: Kind
        public let help: String

        public var valueName: String? {
            switch kind {
            case .flag: return nil
            case .value(let v), .values(let v): return v
            }
        }
    }

    public let id: ID
    /// `vessel exec|run|shell --LONG` (nil: the CLI has no such option).
    public let cli: Spelling?
    /// `srun --LONG` (nil: the plugin has no such option).
    public let plugin: Spelling?

    /// The plugin option's environment twins, as Pyxis has them: `VESSEL_CONTAINER_IMAGE`, and
    /// for sites moving over `PYXIS_CONTAINER_IMAGE`, read (in that order) when the option is not
    /// on the command line. A flag's twin takes a boolean (1/0, yes/no, true/false, on/off).
    public var environmentVariables: [String] {
        guard let long = plugin?.long, long.hasPrefix("container-") else { return [] }
        let twin = String(long.uppercased().map { $0 == "-" ? "_" : $0 })
        return ["VESSEL_" + twin, "PYXIS_" + twin]
    }

    /// A twin's boolean, or nil when it is not one.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "yes", "y", "true", "on": return true
        case "0", "no", "n", "false", "off": return false
        default: return nil
        }
    }

    public static let all: [ContainerOption] = [
        .init(id: .bind,
              cli: .init(long: "bind", short: "B", kind: .values("SPEC"), help: "Bind a host path: SRC[:DST[:ro|rw]] (repeatable). A missing SRC is an error."),
              plugin: .init(long: "container-mounts", short: nil, kind: .values("SRC:DST[:ro],..."), help: "Bind host paths into the container.")),
        .init(id: .env,
              cli: .init(long: "env", short: nil, kind: .values("NAME=VALUE"), help: "Set a variable inside (repeatable); wins over the image and the host."),
              plugin: nil),
        .init(id: .envFile,
              cli: .init(long: "env-file", short: nil, kind: .values("FILE"), help: "Read NAME=VALUE lines from a file (repeatable)."),
              plugin: nil),
        .init(id: .cleanEnv,
              cli: .init(long: "cleanenv", short: "e", kind: .flag, help: "Pass no host variables but HOME, USER, LOGNAME, TERM, LANG, TZ and DISPLAY."),
              plugin: nil),
        .init(id: .fakeroot,
              cli: .init(long: "fakeroot", short: nil, kind: .flag, help: "Be root inside (uid 0, mapped to you outside: files you create are yours)."),
              plugin: .init(long: "container-remap-root", short: nil, kind: .flag, help: "Be root inside the container (mapped to you outside).")),
        .init(id: .writable,
              cli: .init(long: "writable-tmpfs", short: nil, kind: .flag, help: "Let the container write anywhere; the writes vanish when it exits."),
              plugin: .init(long: "container-writable", short: nil, kind: .flag, help: "Let the container write anywhere; the writes vanish when the step ends.")),
        .init(id: .contain,
              cli: .init(long: "contain", short: "c", kind: .flag, help: "Bind neither $HOME nor the current directory; give the container a private /tmp."),
              plugin: nil),
        .init(id: .noHome,
              cli: .init(long: "no-home", short: nil, kind: .flag, help: "Do not bind $HOME."),
              plugin: .init(long: "no-container-mount-home", short: nil, kind: .flag, help: "Do not bind $HOME into the container.")),
        .init(id: .workdir,
              cli: .init(long: "pwd", short: nil, kind: .value("DIR"), help: "Working directory inside."),
              plugin: .init(long: "container-workdir", short: nil, kind: .value("PATH"), help: "Working directory inside the container (default: the image's WorkingDir, else the job's directory when the container sees it, else /; a relative PATH starts from there).")),
        .init(id: .unpack,
              cli: .init(long: "unpack", short: nil, kind: .flag, help: "Unpack the image into a private tmpfs instead of mounting it with FUSE (done by itself when FUSE is not usable)."),
              plugin: nil),
        .init(id: .nv,
              cli: .init(long: "nv", short: nil, kind: .flag, help: "Bring in the host's NVIDIA driver (libraries, nvidia-smi); GPUs Slurm allocated stay the visible ones."),
              plugin: nil),
        .init(id: .verbose,
              cli: .init(long: "verbose", short: "v", kind: .flag, help: "Say on standard error what is done to start the container (the mounts, the image, the init) and when."),
              plugin: .init(long: "container-verbose", short: nil, kind: .flag, help: "Write what making the step's container did on each node (the mounts, the image, the init) and when to the first task's standard error.")),
        .init(id: .unshare,
              cli: .init(long: "unshare", short: nil, kind: .values("NS,..."), help: "Give the container namespaces of its own: net (only loopback), ipc, uts."),
              plugin: .init(long: "container-unshare", short: nil, kind: .values("NS,..."), help: "Give the step's container namespaces of its own: net (only loopback), ipc, uts.")),
        .init(id: .overlay,
              cli: .init(long: "overlay", short: nil, kind: .value("DIR"), help: "Keep what the container writes in DIR (made if missing, yours alone): the root is writable, and a later start with the same image and DIR sees it all again."),
              plugin: nil),
        .init(id: .save,
              cli: .init(long: "save", short: nil, kind: .value("FILE"), help: "When the container ends, write its root (the image and what was written to it) as a new image FILE, with provenance naming the image it came from. Implies a writable root."),
              plugin: .init(long: "container-save", short: nil, kind: .value("PATH"), help: "When the step ends, write its container's root (the image and what the step wrote) as a new image at PATH on the node (relative: to the job's directory); vessel inspect names its base image and job.")),
        .init(id: .join,
              cli: .init(long: "join", short: nil, kind: .value("KEY"), help: "Share one container with every `vessel exec` of yours on this node given the same KEY and options: the first starts it, the others join it (one user, mount and PID space: MPI's shared memory and CMA work between them). Under srun, the tasks of a step do this by themselves."),
              plugin: nil),
        .init(id: .noJoin,
              cli: .init(long: "no-join", short: nil, kind: .flag, help: "Under srun, give this task a container of its own instead of sharing the step's."),
              plugin: nil),
        .init(id: .image, cli: nil,
              plugin: .init(long: "container-image", short: nil, kind: .value("IMAGE"), help: "Run the job in IMAGE: a .sqsh file, or any source vessel build or pull accepts (resolved and converted once, at submission).")),
        .init(id: .keepEnv, cli: nil,
              plugin: .init(long: "container-env", short: nil, kind: .values("NAME,..."), help: "Variables that keep the job's value even where the image sets them.")),
        .init(id: .mountHome, cli: nil,
              plugin: .init(long: "container-mount-home", short: nil, kind: .flag, help: "Bind $HOME into the container.")),
        .init(id: .entrypoint, cli: nil,
              plugin: .init(long: "container-entrypoint", short: nil, kind: .flag, help: "Run the command through the image's Entrypoint.")),
        .init(id: .readonly, cli: nil,
              plugin: .init(long: "container-readonly", short: nil, kind: .flag, help: "Keep the container's root read-only (the site's default unless it says writable=yes).")),
        .init(id: .noRemapRoot, cli: nil,
              plugin: .init(long: "no-container-remap-root", short: nil, kind: .flag, help: "Be yourself inside the container, not root (the default unless the site says remap-root=yes).")),
        .init(id: .noEntrypoint, cli: nil,
              plugin: .init(long: "no-container-entrypoint", short: nil, kind: .flag, help: "Do not run the command through the image's Entrypoint (the default unless the site says execute-entrypoint=yes).")),
        .init(id: .entrypointLog, cli: nil,
              plugin: .init(long: "container-entrypoint-log", short: nil, kind: .flag, help: "Show the Entrypoint's output (always shown: it runs as the task's command; taken for Pyxis's scripts).")),
        .init(id: .name, cli: nil,
              plugin: .init(long: "container-name", short: nil, kind: .value("NAME[:FLAG]"), help: "Keep the container under NAME on the node: a later step naming it starts where this one left its root (--container-image is then not needed), and a step naming it while it runs joins it. FLAG: auto (the default), create (refuse an existing one), exec (join a running one, or fail), no_exec (never join: wait for it to stop). Removed at the end of the job unless the site says container-scope=global.")),
        .init(id: .results, cli: nil,
              plugin: .init(long: "container-results", short: nil, kind: .value("DIR"), help: "Give the container a node-local /results; at the end of the job copy it to DIR/USER/JOBID with MANIFEST and provenance.json.")),
    ]

    public static func row(_ id: ID) -> ContainerOption { all.first { $0.id == id }! }

    /// The CLI option a command-line word names (`--bind`, `-B`), if any.
    public static func cli(named word: String) -> ContainerOption? {
        if word.hasPrefix("--") {
            let long = String(word.dropFirst(2))
            return all.first { $0.cli?.long == long }
        }
        guard word.count == 2, word.hasPrefix("-"), let c = word.last else { return nil }
        return all.first { $0.cli?.short == c }
    }

    /// The plugin's options (the rows with a plugin spelling), in the table's order, which is
    /// the order srun's --help lists them in.
    public static let pluginOptions: [ContainerOption] = all.filter { $0.plugin != nil }

    /// What --unshare and --container-unshare take.
    public static let unshareable: Set<String> = ["net", "ipc", "uts"]

    /// `NS,...`, each one of `unshareable`.
    public static func parseNamespaces(_ text: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for n in names where !unshareable.contains(n) {
            throw BindSpec.Refusal(reason: "\(n.isEmpty ? "an empty name" : n) is not a namespace Vessel unshares (net, ipc, uts)")
        }
        return names
    }

    /// The flag that says the opposite (`--container-readonly` of `--container-writable`): a
    /// twin's 0 takes it, and giving either counts as giving both.
    public var opposite: ID? {
        switch id {
        case .writable: return .readonly
        case .readonly: return .writable
        case .mountHome: return .noHome
        case .noHome: return .mountHome
        case .fakeroot: return .noRemapRoot
        case .noRemapRoot: return .fakeroot
        case .entrypoint: return .noEntrypoint
        case .noEntrypoint: return .entrypoint
        default: return nil
        }
    }
}
