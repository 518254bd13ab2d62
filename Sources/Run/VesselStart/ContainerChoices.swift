import VesselBasics
import VesselRuntime
import VesselWire

extension ContainerChoices {
    /// The container to start: binds and values checked here, each refusal naming its option.
    public func spec(image: String, mode: ContainerSpec.Mode, arguments: [String]) throws -> ContainerSpec {
        var s = ContainerSpec(image: image, mode: mode, arguments: arguments)
        s.binds = try bind.map { b in
            do { return try BindSpec.parse(b) } catch let r as BindSpec.Refusal { throw RuntimeError.badBind(b, reason: r.reason) }
        }
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
        s.verbose = verbose
        if let key = join, key.isEmpty || key.contains("/") {
            throw RuntimeError.setup("--join \(key)", reason: "a key is a name without /")
        }
        s.join = join
        s.noJoin = noJoin
        for (flag, value) in [("--overlay", overlay), ("--save", save)] where value?.isEmpty ?? false {
            throw RuntimeError.setup(flag, reason: "name a path")
        }
        s.overlay = overlay.map(PlainSystem.absolute)
        s.save = save.map(PlainSystem.absolute)
        s.unshare = try Set(unshare.flatMap { u in
            do { return try ContainerOption.parseNamespaces(u) } catch let r as BindSpec.Refusal {
                throw RuntimeError.setup("--unshare \(u)", reason: r.reason)
            }
        })
        return s
    }
}
