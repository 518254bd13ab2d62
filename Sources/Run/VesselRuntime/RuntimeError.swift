import Glibc

/// What can stop a container from starting, each with the thing and the cause on one line.
public enum RuntimeError: Error, CustomStringConvertible {
    case imageMissing(String)
    case imageUnreadable(String, reason: String)
    case bindSourceMissing(String)
    case badBind(String, reason: String)
    case badEnv(String, reason: String)
    case noCommand(String)
    case namespaces(reason: String)
    case fuseUnavailable(reason: String)
    case mount(what: String, target: String, reason: String)
    case setup(String, reason: String)
    case gpuDriverMissing
    case untrusted(String)

    public var description: String {
        switch self {
        case .imageMissing(let p): return "\(p): no such image file"
        case .imageUnreadable(let p, let r): return "\(p): \(r)"
        case .bindSourceMissing(let s): return "--bind \(s): the source does not exist"
        case .badBind(let s, let r): return "--bind \(s): \(r)"
        case .badEnv(let s, let r): return "\(s): \(r)"
        case .noCommand(let image): return "\(image): the image has no Entrypoint or Cmd; name a command with vessel exec"
        case .namespaces(let r): return "cannot create a user namespace: \(r) (see vessel doctor)"
        case .fuseUnavailable(let r): return "FUSE is not usable here: \(r); use --unpack to run from an unpacked copy"
        case .mount(let what, let target, let r): return "mounting \(what) on \(target): \(r)"
        case .setup(let what, let r): return "\(what): \(r)"
        case .untrusted(let m): return m
        case .gpuDriverMissing:
            return "--nv: no NVIDIA driver on this node (no libcuda.so in the ld.so cache), and vessel.conf has nv-required = yes; run on a GPU node"
        }
    }
}

