import VesselWire
#if canImport(Glibc)
import Glibc
#endif

/// The container options of a job or step, as srun, sbatch and salloc took them (and as
/// slurmstepd receives them again). Values are checked when given, so that a bad one is refused
/// before the job is submitted.
public struct ContainerRequest {
    public var image: String?
    public var mounts: [BindSpec] = []
    public var workdir: String?
    public var envNames: [String] = []
    /// nil: the site's default (plugstack.conf's writable=, remap-root=, execute-entrypoint=).
    public var writable: Bool?
    public var mountHome: Bool?
    public var remapRoot: Bool?
    public var entrypoint: Bool?
    /// The results root: /results in the container is collected there at the end of the job.
    public var results: String?
    /// Namespaces the step's container gets of its own (net, ipc, uts).
    public var unshare: [String] = []
    /// --container-verbose: the helper's step log, written to the first task's stderr.
    public var verbose = false
    /// --container-name: the node's named container this step starts from, makes or joins.
    public var name: ContainerName?
    /// --container-save: where the step's container is written as an image when it ends.
    public var save: String?
    /// What was taken, so that a second call with the same option and value is a no-op.
    private var taken: Set<String> = []
    /// The options given (on the command line, or by a twin), which their twins do not override.
    public private(set) var given: Set<ContainerOption.ID> = []

    public init() {}

    public var isEmpty: Bool {
        image == nil && mounts.isEmpty && workdir == nil && envNames.isEmpty && writable == nil && mountHome == nil && remapRoot == nil
            && entrypoint == nil && results == nil && unshare.isEmpty && name == nil && save == nil
    }

    /// The behaviour of each plugin option of the table; `value` is nil for a flag. `variable`:
    /// the environment twin it came from, for messages.
    public mutating func take(_ id: ContainerOption.ID, _ value: String?, variable: String? = nil) throws {
        let name = ContainerOption.row(id).plugin?.long ?? "\(id)"
        let v = value ?? ""
        guard taken.insert("\(name)=\(v)").inserted else { return }
        given.insert(id)
        if let opposite = ContainerOption.row(id).opposite { given.insert(opposite) }
        func refuse(_ reason: String) -> OptionError {
            variable.map { OptionError("\($0)=\(v): \(reason)") } ?? OptionError(name, v, reason)
        }
        switch id {
        case .image:
            guard !v.isEmpty else { throw refuse("name an image") }
            image = v
        case .bind:
            do { mounts += try BindSpec.parseList(v, pathSource: true) } catch let r as BindSpec.Refusal { throw refuse(r.reason) }
        case .workdir:
            guard !v.isEmpty else { throw refuse("name a directory") }
            workdir = v
        case .keepEnv:
            do { envNames += try Self.parseEnvNames(v) } catch let r as BindSpec.Refusal { throw refuse(r.reason) }
        case .writable: writable = true
        case .readonly: writable = false
        case .mountHome: mountHome = true
        case .noHome: mountHome = false
        case .fakeroot: remapRoot = true
        case .noRemapRoot: remapRoot = false
        case .entrypoint: entrypoint = true
        case .noEntrypoint: entrypoint = false
        // Pyxis hides an Entrypoint's output unless asked; here it is the task's own output.
        case .entrypointLog: break
        case .results:
            guard v.hasPrefix("/") else { throw refuse("not an absolute path") }
            results = v
        case .unshare:
            do { unshare += try ContainerOption.parseNamespaces(v) } catch let r as BindSpec.Refusal { throw refuse(r.reason) }
        case .verbose: verbose = true
        case .name:
            do { self.name = try ContainerName(parsing: v) } catch let r as BindSpec.Refusal { throw refuse(r.reason) }
        case .save:
            // Pyxis's rule: a file, not a directory; relative to the job's directory on the node.
            guard !v.isEmpty else { throw refuse("name a file") }
            guard !v.hasSuffix("/") else { throw refuse("names a directory; name a file") }
            save = v
        case .env, .envFile, .cleanEnv, .contain, .unpack, .nv, .join, .noJoin, .overlay:
            throw OptionError("--\(name): not an option of the plugin")
        }
    }

    /// The environment twins of the options not given on the command line (Pyxis's rule: the
    /// command line wins), from `lookup` (the process's environment in srun and sbatch, the
    /// job's in slurmstepd). A bad value is refused like the option's.
    public mutating func takeEnvironment(_ lookup: (String) -> String?) throws {
        for option in ContainerOption.pluginOptions where !given.contains(option.id) {
            var found: (String, String)?
            for v in option.environmentVariables where found == nil { found = lookup(v).map { (v, $0) } }
            guard let (variable, value) = found else { continue }
            if option.plugin!.kind == .flag {
                guard let on = ContainerOption.boolean(value) else {
                    throw OptionError("\(variable)=\(value): takes 1 or 0 (yes/no, true/false, on/off)")
                }
                if on { try take(option.id, nil, variable: variable) } else if let opposite = option.opposite { try take(opposite, nil, variable: variable) }
            } else {
                try take(option.id, value, variable: variable)
            }
        }
    }

    /// `NAME,...`, each a variable name; a refusal says why, the caller names the option.
    public static func parseEnvNames(_ text: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for n in names where !VariableName.isValid(n) {
            throw BindSpec.Refusal(reason: n.isEmpty ? "an empty name" : "\(n) is not a variable name")
        }
        return names
    }
}

/// A refused option value: srun and sbatch print it and submit nothing.
public struct OptionError: Error {
    public let message: String
    public init(_ option: String, _ value: String, _ reason: String) { message = "--\(option)=\(value): \(reason)" }
    public init(_ message: String) { self.message = message }
}
