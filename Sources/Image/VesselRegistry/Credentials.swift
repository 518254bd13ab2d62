import Foundation
import VesselOCI

/// A user name and password (or token) for one registry. `description` never shows the secret.
public struct Credential: Equatable, Sendable, CustomStringConvertible {
    public let username: String
    public let password: String
    /// Where it was found, for messages: a file path or an environment variable.
    public let origin: String

    public init(username: String, password: String, origin: String) {
        self.username = username
        self.password = password
        self.origin = origin
    }

    public var description: String { "\(username) (from \(origin))" }
    var basicHeader: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }
}

/// Finds credentials the way users already keep them, first match wins:
/// VESSEL_USERNAME/VESSEL_PASSWORD, $REGISTRY_AUTH_FILE, Vessel's own file (`vessel login`),
/// Podman's auth.json, Docker's config.json. All auth files share one format:
/// `{"auths": {"REGISTRY": {"auth": base64("user:password")}}}`.
public struct CredentialStore: Sendable {
    public let environment: [String: String]
    public let home: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        home = environment["HOME"] ?? NSHomeDirectory()
    }

    /// Where `vessel login` writes.
    public var ownFile: String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return config + "/vessel/auth.json"
    }

    var searchPath: [String] {
        var files: [String] = []
        if let f = environment["REGISTRY_AUTH_FILE"], !f.isEmpty { files.append(f) }
        files.append(ownFile)
        if let run = environment["XDG_RUNTIME_DIR"], !run.isEmpty { files.append(run + "/containers/auth.json") }
        files.append(home + "/.config/containers/auth.json")
        files.append((environment["DOCKER_CONFIG"] ?? home + "/.docker") + "/config.json")
        return files
    }

    public func lookup(registry: String) throws -> Credential? {
        if let u = environment["VESSEL_USERNAME"], let p = environment["VESSEL_PASSWORD"], !u.isEmpty {
            return Credential(username: u, password: p, origin: "VESSEL_USERNAME/VESSEL_PASSWORD")
        }
        for file in searchPath {
            guard let auths = try Self.read(file) else { continue }
            for (key, entry) in auths where Self.normalize(key) == Self.normalize(registry) {
                guard let encoded = entry.auth, let data = Data(base64Encoded: encoded),
                      let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
                    throw RegistryError.credentials(file, reason: "the entry for \(key) has no readable \"auth\" field")
                }
                return Credential(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]), origin: file)
            }
        }
        return nil
    }

    /// Stores credentials in Vessel's own file, mode 0600, replacing the file atomically.
    public func save(_ credential: Credential, registry: String) throws {
        try update { $0[Self.normalize(registry)] = AuthEntry(auth: Data("\(credential.username):\(credential.password)".utf8).base64EncodedString()) }
    }

    /// Removes a registry's entry from Vessel's own file; false when there was none.
    public func remove(registry: String) throws -> Bool {
        var found = false
        try update { auths in
            for key in auths.keys where Self.normalize(key) == Self.normalize(registry) {
                auths[key] = nil
                found = true
            }
        }
        return found
    }

    private func update(_ change: (inout [String: AuthEntry]) -> Void) throws {
        let file = ownFile
        var auths = try Self.read(file) ?? [:]
        change(&auths)
        let dir = (file as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RegistryError.credentials(dir, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = try encoder.encode(AuthFile(auths: auths))
        do { try SmallFile.write(bytes, to: file, mode: 0o600) } catch let e as SmallFile.WriteError {
            throw RegistryError.credentials(file, reason: e.reason)
        }
    }

    private struct AuthFile: Codable { var auths: [String: AuthEntry]? }
    struct AuthEntry: Codable { var auth: String? }

    private static func read(_ file: String) throws -> [String: AuthEntry]? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        do {
            return try JSONDecoder().decode(AuthFile.self, from: data).auths
        } catch {
            throw RegistryError.credentials(file, reason: "not a valid auth file (expected {\"auths\": {...}})")
        }
    }

    /// `https://index.docker.io/v1/`, `docker.io` and `registry-1.docker.io` are the same registry.
    static func normalize(_ key: String) -> String {
        var k = key
        for prefix in ["https://", "http://"] where k.hasPrefix(prefix) { k = String(k.dropFirst(prefix.count)) }
        k = String(k.split(separator: "/").first ?? "")
        return ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(k) ? RegistryReference.dockerHub : k
    }
}
