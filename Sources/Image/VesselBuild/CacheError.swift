/// Problems with the image cache.
public enum CacheError: Error, CustomStringConvertible {
    case io(String, reason: String)
    case unusable(String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "cache \(path): \(reason)"
        case .unusable(let path, let reason):
            return "cache \(path) is not usable: \(reason) (point VESSEL_CACHE or cache-dir in the config at a writable directory)"
        }
    }
}
