/// Problems with keys and signatures; each names the file and the cause.
public enum SignError: Error, CustomStringConvertible, Equatable {
    case badKey(String, reason: String)
    case notSquashFS(String)
    case unsigned(String)
    case invalid(String, reason: String)
    case untrusted(String, reason: String)
    case io(String, reason: String)

    public var description: String {
        switch self {
        case .badKey(let what, let reason): return "key \(what): \(reason)"
        case .notSquashFS(let path): return "\(path): not a SquashFS image"
        case .unsigned(let path): return "\(path): not signed"
        case .invalid(let path, let reason): return "\(path): signature check failed: \(reason)"
        case .untrusted(let path, let reason): return "\(path): \(reason)"
        case .io(let path, let reason): return "\(path): \(reason)"
        }
    }
}
