import VesselRuntime

/// The container options as plain values, whichever parser read them: ArgumentParser
/// (`ContainerOptions`, in vessel-cli) or, for the usual shapes of a start, `QuickStart`.
public struct ContainerChoices: Equatable {
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

    public init() {}

    public func spec(image: String, mode: ContainerSpec.Mode, arguments: [String]) throws -> ContainerSpec {
        var s = ContainerSpec(image: image, mode: mode, arguments: arguments)
        s.binds = try bind.map(BindSpec.parse)
        s.env = env
        s.envFiles = envFile
        s.cleanEnv = cleanEnv
        s.fakeroot = fakeroot
        s.writableTmpfs = writableTmpfs
        s.contain = contain
        s.noHome = noHome
        s.workdir = pwd
        s.nv = nv
        s.unpack = unpack
        return s
    }
}
