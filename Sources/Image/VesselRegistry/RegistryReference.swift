import VesselOCI

/// `[REGISTRY[:PORT]/]REPOSITORY[:TAG|@sha256:DIGEST]`, normalized as Docker does: no registry
/// means Docker Hub, no namespace there means `library/`, no tag means `latest`. Enroot's and
/// NGC's spelling `REGISTRY#REPOSITORY[:TAG]` (`nvcr.io#nvidia/pytorch:24.05-py3`) names the
/// registry explicitly.
public struct RegistryReference: Equatable, Sendable, CustomStringConvertible {
    /// The registry as users name it (`docker.io`, `ghcr.io`, `127.0.0.1:5000`).
    public let registry: String
    public let repository: String
    public let tag: String?
    public let digest: Digest?

    public static let dockerHub = "docker.io"

    public init(registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// The host the API is served from (Docker Hub's differs from its name).
    public var apiHost: String { registry == Self.dockerHub ? "registry-1.docker.io" : registry }

    /// What to ask the registry for: the digest when one was named, else the tag.
    public var manifestReference: String { digest?.description ?? tag ?? "latest" }

    /// Loopback registries may speak plain HTTP without --insecure.
    public var isLoopback: Bool {
        let host = Self.hostPart(registry)
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || host == "::1"
    }

    public var description: String {
        var s = "\(registry)/\(repository)"
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }

    /// The same image pinned to a digest: what provenance and caches record.
    public func pinned(to d: Digest) -> RegistryReference {
        RegistryReference(registry: registry, repository: repository, tag: tag, digest: d)
    }

    public init(parsing text: String) throws {
        // oras:// names the same registry and repository: what is there is an artifact, not an image.
        var rest = text.hasPrefix("docker://") ? String(text.dropFirst(9)) : text.hasPrefix("oras://") ? String(text.dropFirst(7)) : text
        func bad(_ why: String) -> RegistryError { .invalidReference(text, reason: why) }
        guard !rest.isEmpty else { throw bad("empty") }
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            digest = try? Digest(parsing: String(rest[rest.index(after: at)...]))
            guard digest != nil else { throw bad("the part after @ is not a sha256:<64 hex> digest") }
            rest = String(rest[..<at])
        }
        var registry = Self.dockerHub
        if let hash = rest.firstIndex(of: "#") {
            registry = String(rest[..<hash])
            rest = String(rest[rest.index(after: hash)...])
            guard !registry.isEmpty, !rest.isEmpty, !rest.contains("#") else { throw bad("REGISTRY#IMAGE needs both parts, and one #") }
        } else if let slash = rest.firstIndex(of: "/") {
            let first = String(rest[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.hasPrefix("[") {
                registry = first
                rest = String(rest[rest.index(after: slash)...])
            }
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
            guard let t = tag, Self.isValidTag(t) else { throw bad("\"\(tag ?? "")\" is not a valid tag") }
        }
        if ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(registry) { registry = Self.dockerHub }
        if registry == Self.dockerHub, !rest.contains("/") { rest = "library/" + rest }
        guard Self.isValidRepository(rest) else {
            throw bad("\"\(rest)\" is not a valid repository (lower-case letters, digits, . _ - and / only)")
        }
        if tag == nil, digest == nil { tag = "latest" }
        self.init(registry: registry, repository: rest, tag: tag, digest: digest)
    }

    static func isValidTag(_ t: String) -> Bool {
        guard let first = t.unicodeScalars.first, t.count <= 128 else { return false }
        func word(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_") }
        return word(first) && t.unicodeScalars.allSatisfy { word($0) || $0 == "." || $0 == "-" }
    }

    static func isValidRepository(_ r: String) -> Bool {
        !r.isEmpty && r.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
            } && part.first != "." && part.first != "-"
        }
    }

    static func hostPart(_ registry: String) -> String {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") { return String(registry[...close]) }
        return String(registry.split(separator: ":", maxSplits: 1).first ?? "")
    }
}
