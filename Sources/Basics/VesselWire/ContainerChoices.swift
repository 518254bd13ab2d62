/// The CLI's container options as plain values, whichever parser read them: ArgumentParser
/// (`ContainerOptions`, in vessel-cli) or, for the usual shapes of a start, `QuickStart`. Values
/// are checked when the container spec is made (VesselStart).
public struct ContainerChoices: Equatable, Sendable {
    public var bind: [String] = []
    public var env: [String] = []
    public var envFile: [String] = []
    public var cleanEnv = false
    public var fakeroot = false
    public var writableTmpfs = false
    public var contain = false
    public var noHome = false
    public var pwd: String?
    public var unpack = false
    public var nv = false
    public var verbose = false
    public var unshare: [String] = []
    public var join: String?
    public var noJoin = false
    public var overlay: String?
    public var save: String?

    public init() {}

    /// The behaviour of each CLI option of the table: `value` is nil for a flag. Returns false
    /// for an option the CLI does not have.
    @discardableResult
    public mutating func take(_ id: ContainerOption.ID, _ value: String?) -> Bool {
        switch id {
        case .bind: bind.append(value ?? "")
        case .env: env.append(value ?? "")
        case .envFile: envFile.append(value ?? "")
        case .cleanEnv: cleanEnv = true
        case .fakeroot: fakeroot = true
        case .writable: writableTmpfs = true
        case .contain: contain = true
        case .noHome: noHome = true
        case .workdir: pwd = value
        case .unpack: unpack = true
        case .nv: nv = true
        case .verbose: verbose = true
        case .unshare: unshare.append(value ?? "")
        case .join: join = value
        case .noJoin: noJoin = true
        case .overlay: overlay = value
        case .save: save = value
        case .image, .keepEnv, .mountHome, .entrypoint, .results, .readonly, .noRemapRoot, .noEntrypoint, .entrypointLog, .name: return false
        }
        return true
    }
}
