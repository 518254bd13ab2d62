public enum BuildError: Error, CustomStringConvertible {
    case outputExists(String)
    case output(String, reason: String)

    public var description: String {
        switch self {
        case .outputExists(let p): return "\(p): already exists (use --force to replace it)"
        case .output(let p, let reason): return "\(p): \(reason)"
        }
    }
}
