import _CryptoExtras

import VesselImage
import VesselOCI
import Crypto
import Foundation

/// An Ed25519 public key as users pass it around: one line, `vessel-ed25519 BASE64 NAME`.
public struct PublicKey: Equatable, Sendable {
    public let raw: Data
    public let name: String

    public init(raw: Data, name: String) {
        self.raw = raw
        self.name = name
    }

    /// 16 hex digits of the key's SHA-256: what messages and `key list` show.
    public var id: String { SHA256.hash(data: raw).map { String(format: "%02x", $0) }.joined().prefix(16).description }

    public var line: String { "vessel-ed25519 \(raw.base64EncodedString()) \(name)" }

    public init(line: String, origin: String) throws {
        let parts = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, parts[0] == "vessel-ed25519", let raw = Data(base64Encoded: parts[1]), raw.count == 32 else {
            throw SignError.badKey(origin, reason: "not a Vessel public key (expected: vessel-ed25519 BASE64 NAME)")
        }
        self.init(raw: raw, name: parts.count > 2 ? parts[2] : "")
    }

    public static func load(_ path: String) throws -> PublicKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SignError.badKey(path, reason: "cannot read it") }
        return try PublicKey(line: text, origin: path)
    }

    func isValidSignature(_ signature: Data, for payload: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: payload)
    }
}

/// The user's keys: ~/.config/vessel/keys/NAME.key (private, mode 0600, optionally sealed with a
/// passphrase: scrypt, then AES-GCM) and NAME.pub; trusted public keys in ~/.config/vessel/trusted/
/// and, for the whole site, /etc/vessel/trusted/.
public struct KeyStore {
    public let directory: String
    public let trustedDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        directory = config + "/vessel/keys"
        trustedDirectory = config + "/vessel/trusted"
    }

    public static let siteTrustedDirectory = "/etc/vessel/trusted"

    struct PrivateKeyFile: Codable {
        var name: String
        var created: String
        /// The 32-byte Ed25519 seed, base64; absent when sealed.
        var key: String?
        /// Sealed: AES-GCM box of the seed under scrypt(passphrase, salt).
        var sealed: String?
        var salt: String?
    }

    public func create(name: String, passphrase: String?) throws -> PublicKey {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw SignError.badKey(name, reason: "a key name is letters, digits and - _ . @")
        }
        let path = directory + "/\(name).key"
        guard !FileManager.default.fileExists(atPath: path) else { throw SignError.badKey(path, reason: "a key of that name exists") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        var file = PrivateKeyFile(name: name, created: ISO8601DateFormatter().string(from: Date()))
        if let passphrase, !passphrase.isEmpty {
            let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
            let box = try AES.GCM.seal(key.rawRepresentation, using: try Self.derive(passphrase, salt: salt))
            file.sealed = box.combined!.base64EncodedString()
            file.salt = salt.base64EncodedString()
        } else {
            file.key = key.rawRepresentation.base64EncodedString()
        }
        try Self.write(try JSONEncoder().encode(file), to: path, mode: 0o600)
        let pub = PublicKey(raw: key.publicKey.rawRepresentation, name: name)
        try Self.write(Data((pub.line + "\n").utf8), to: directory + "/\(name).pub", mode: 0o644)
        return pub
    }

    /// The private key NAME (the only one when nil), unsealed with `passphrase` if sealed.
    func privateKey(name: String?, passphrase: () -> String?) throws -> (Curve25519.Signing.PrivateKey, String) {
        let names = list().map(\.name)
        guard let chosen = name ?? (names.count == 1 ? names[0] : nil) else {
            throw SignError.badKey(directory, reason: names.isEmpty ? "no key: make one with vessel key new" : "several keys (\(names.joined(separator: ", "))); choose one with --key-name")
        }
        let path = directory + "/\(chosen).key"
        guard let data = FileManager.default.contents(atPath: path), let file = try? JSONDecoder().decode(PrivateKeyFile.self, from: data) else {
            throw SignError.badKey(path, reason: "no such key, or not a Vessel key file")
        }
        var seed: Data
        if let plain = file.key.flatMap({ Data(base64Encoded: $0) }) {
            seed = plain
        } else if let sealed = file.sealed.flatMap({ Data(base64Encoded: $0) }), let salt = file.salt.flatMap({ Data(base64Encoded: $0) }) {
            guard let pass = passphrase() else { throw SignError.badKey(path, reason: "the key is protected: give its passphrase (VESSEL_KEY_PASSPHRASE or a terminal)") }
            do { seed = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: try Self.derive(pass, salt: salt)) } catch {
                throw SignError.badKey(path, reason: "wrong passphrase")
            }
        } else {
            throw SignError.badKey(path, reason: "not a Vessel key file")
        }
        defer { seed.resetBytes(in: 0..<seed.count) }
        return (try Curve25519.Signing.PrivateKey(rawRepresentation: seed), chosen)
    }

    /// The user's own public keys.
    public func list() -> [PublicKey] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".pub") }.sorted()
        return names.compactMap { try? PublicKey.load(directory + "/" + $0) }
    }

    /// Keys the trust policy accepts: the site's (/etc/vessel/trusted and the site file's
    /// trusted-keys) and, when the site's `trust` allows users' keys, this user's own, imported
    /// and listed ones. A site that requires signatures counts only its own unless it says
    /// `trust = site+user`: otherwise `vessel key new` and `sign` would let anyone through.
    public func trusted(by config: SiteConfig) -> [PublicKey] {
        var keys: [PublicKey] = []
        var sources = [Self.siteTrustedDirectory] + config.trustedKeys
        if config.trust == .siteAndUser {
            keys = list()
            sources = [trustedDirectory] + sources + config.userTrustedKeys
        }
        for dir in sources {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else { continue }
            let files = isDir.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".pub") }.map { dir + "/" + $0 } : [dir]
            keys += files.compactMap { try? PublicKey.load($0) }
        }
        return keys
    }

    /// Adds a public key to the user's trusted keys.
    public func importKey(_ key: PublicKey) throws -> String {
        try FileManager.default.createDirectory(atPath: trustedDirectory, withIntermediateDirectories: true)
        let path = trustedDirectory + "/\(key.name.isEmpty ? key.id : key.name)-\(key.id).pub"
        try Self.write(Data((key.line + "\n").utf8), to: path, mode: 0o644)
        return path
    }

    static func derive(_ passphrase: String, salt: Data) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(from: Data(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: 1 << 15, blockSize: 8, parallelism: 1)
    }

    static func write(_ data: Data, to path: String, mode: mode_t) throws {
        do { try SmallFile.write(data, to: path, mode: mode) } catch let e as SmallFile.WriteError {
            throw SignError.io(e.path, reason: e.reason)
        }
    }

}
