public enum BuildError: Error, CustomStringConvertible {
    case outputExists(String)
    case output(String, reason: String)
    /// A container's root being saved (`save-container`).
    case container(String)

    public var description: String {
        switch self {
        case .outputExists(let p): return "\(p): already exists (use --force to replace it)"
        case .output(let p, let reason): return "\(p): \(reason)"
        case .container(let m): return m
        }
    }
}
