/// What can go wrong talking to a registry. Messages name the registry or image and the cause on
/// one line, and never contain a credential or token.
public enum RegistryError: Error, CustomStringConvertible, Equatable {
    case invalidReference(String, reason: String)
    case unreachable(String, reason: String)
    case tls(String, reason: String)
    case plainHTTPRefused(String)
    case unauthorized(String, hadCredentials: Bool)
    case denied(String)
    case manifestUnknown(String)
    case blobUnknown(String, in: String)
    case rateLimited(String, retryAfter: Int?)
    case server(String, status: Int, message: String)
    case tokenService(String, reason: String)
    case badResponse(String, reason: String)
    case credentials(String, reason: String)
    case artifactRefused(String, status: Int, message: String)

    public var description: String {
        switch self {
        case .invalidReference(let s, let reason):
            return "\(s): not an image reference (\(reason)); write [REGISTRY[:PORT]/]REPOSITORY[:TAG|@sha256:DIGEST]"
        case .unreachable(let r, let reason):
            return "registry \(r): connection failed: \(reason)"
        case .tls(let r, let reason):
            return "registry \(r): TLS failure: \(reason) (name a CA with --ca-file if the registry uses a private one)"
        case .plainHTTPRefused(let r):
            return "registry \(r) does not speak HTTPS; plain HTTP is used only for loopback registries or with --insecure"
        case .unauthorized(let what, let had):
            return had ? "\(what): authentication failed: the registry refused the credentials (check them with vessel login)"
                       : "\(what): authentication required: log in with vessel login, or set VESSEL_USERNAME and VESSEL_PASSWORD"
        case .denied(let what):
            return "\(what): access denied by the registry (403): these credentials may not pull this repository"
        case .manifestUnknown(let what):
            return "\(what): no such image in the registry (manifest unknown)"
        case .blobUnknown(let d, let what):
            return "\(what): the registry has no blob \(d) (blob unknown)"
        case .rateLimited(let r, let after):
            return "registry \(r): rate limit reached (429)" + (after.map { "; it asks to retry after \($0) s" } ?? "") + "; try again later or log in"
        case .server(let what, let status, let message):
            return "\(what): the registry answered \(status)" + (message.isEmpty ? "" : ": \(message)")
        case .tokenService(let realm, let reason):
            return "token service \(realm): \(reason)"
        case .badResponse(let what, let reason):
            return "\(what): unexpected answer from the registry: \(reason)"
        case .credentials(let path, let reason):
            return "\(path): \(reason)"
        case .artifactRefused(let what, let status, let message):
            return "\(what): the registry refused the image's manifest (\(status)\(message.isEmpty ? "" : " " + message)); it may not take OCI artifacts: push to one that does (distribution 2.8 or later, Harbor 2.8, GHCR, GitLab) or share the file itself"
        }
    }
}
