import Foundation

/// A `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
struct AuthChallenge: Equatable {
    enum Scheme: Equatable { case bearer, basic }
    let scheme: Scheme
    let parameters: [String: String]

    init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") ?? Optional(trimmed.endIndex) else { return nil }
        switch trimmed[..<space].lowercased() {
        case "bearer": scheme = .bearer
        case "basic": scheme = .basic
        default: return nil
        }
        parameters = Self.parseParameters(String(trimmed[space...]))
    }

    /// `key="value", key2=value2`; quoted values may hold commas.
    static func parseParameters(_ s: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(s)
        while true {
            chars = chars.drop(while: { $0 == " " || $0 == "," })
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = chars[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            chars = chars[chars.index(after: eq)...]
            var value = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                while let c = chars.first, c != "\"" {
                    if c == "\\", chars.count > 1 { chars = chars.dropFirst() }
                    value.append(chars.first!)
                    chars = chars.dropFirst()
                }
                chars = chars.dropFirst()
            } else {
                let end = chars.firstIndex(of: ",") ?? chars.endIndex
                value = chars[..<end].trimmingCharacters(in: .whitespaces)
                chars = chars[end...]
            }
            result[key] = value
        }
        return result
    }
}

/// Authorization header values by scope, reused until shortly before they expire.
final class TokenCache: @unchecked Sendable {
    private var entries: [String: (value: String, expires: Date)] = [:]
    private let lock = NSLock()

    func get(_ scope: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[scope], e.expires > Date() else { return nil }
        return e.value
    }

    func put(_ scope: String, _ value: String, lifetime: TimeInterval) {
        lock.lock(); defer { lock.unlock() }
        // Renew a little early so that a token does not expire in the middle of a request.
        entries[scope] = (value, Date().addingTimeInterval(max(lifetime - 10, 1)))
    }
}

/// The answer of a token service (Docker's token spec; `access_token` is the OAuth2 spelling).
struct TokenResponse: Decodable {
    var token: String?
    var access_token: String?
    var expires_in: Int?
}
