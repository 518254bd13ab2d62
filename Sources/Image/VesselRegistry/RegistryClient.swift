import Foundation
import VesselOCI

/// How to reach registries.
public struct RegistryOptions: Sendable {
    /// Extra CA certificates (PEM) to trust, besides the system store.
    public var caFile: String?
    /// Allow plain HTTP to a registry that is not on the loopback interface.
    public var insecure: Bool
    public var credentials: CredentialStore
    public var retry: RetryPolicy
    /// Messages about waiting and retrying.
    public var log: @Sendable (String) -> Void

    public init(caFile: String? = nil, insecure: Bool = false, credentials: CredentialStore = CredentialStore(),
                retry: RetryPolicy = RetryPolicy(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.caFile = caFile
        self.insecure = insecure
        self.credentials = credentials
        self.retry = retry
        self.log = log
    }
}

extension RegistryOptions {
    /// As with no flag given: the system's CAs, HTTPS (plain HTTP only on loopback), the usual
    /// credential files; waits and retries said on standard error unless `quiet`.
    public static func standard(quiet: Bool) -> RegistryOptions {
        RegistryOptions(credentials: CredentialStore(),
                        log: { msg in if !quiet { FileHandle.standardError.write(Data(("vessel: " + msg + "\n").utf8)) } })
    }
}

/// Receives a blob as it streams: told when the server starts over (200 to a ranged request).
public protocol BlobWriter: AnyObject {
    var bytesHeld: Int64 { get }
    func restart() throws
    func append(_ chunk: UnsafeRawBufferPointer) -> Bool
    /// Why `append` refused, if it did.
    var failure: Error? { get }
}

/// The OCI distribution API of one registry, for pulling: the scheme is found once, tokens are
/// shared by all threads, and each thread gets its own connection.
public final class RegistryClient: @unchecked Sendable {
    public static var version = "0"
    public let registry: String
    let options: RegistryOptions
    let isLoopback: Bool
    private let tokens = TokenCache()
    private let lock = NSLock()
    private var base: String?
    private var idle: [HTTPTransport] = []
    private lazy var credential: Credential? = try? options.credentials.lookup(registry: registry)

    static let manifestAccept = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest,
                                 MediaType.dockerManifestList].joined(separator: ", ")

    public init(reference: RegistryReference, options: RegistryOptions) throws {
        registry = reference.registry
        self.options = options
        isLoopback = reference.isLoopback
        apiHost = reference.apiHost
        // A broken auth file is reported, not silently skipped.
        _ = try options.credentials.lookup(registry: registry)
    }

    private let apiHost: String

    // MARK: Manifests and blobs

    /// A manifest or index by tag or digest, checked against the digest when one is known.
    public func manifest(_ repository: String, reference: String) throws -> (bytes: [UInt8], mediaType: String?, digest: Digest) {
        let what = "\(registry)/\(repository)\(reference.hasPrefix("sha256:") ? "@" : ":")\(reference)"
        return try withRetries(what: what) {
            var bytes: [UInt8] = []
            var tooLarge = false
            let r = try exchange("/v2/\(repository)/manifests/\(reference)", scope: repository, what: what,
                                 headers: ["Accept": Self.manifestAccept]) { _, chunk in
                if bytes.count + chunk.count > 4 << 20 { tooLarge = true; return false }
                bytes.append(contentsOf: chunk)
                return true
            }
            try check(r, what: what, notFound: .manifestUnknown(what))
            if tooLarge { throw RegistryError.badResponse(what, reason: "the manifest is larger than 4 MiB") }
            let digest = Digest.of(bytes)
            let stated = try reference.hasPrefix("sha256:") ? Digest(parsing: reference) : r.header("docker-content-digest").flatMap { try? Digest(parsing: $0) }
            if let stated, stated != digest {
                throw ImageError.digestMismatch("manifest \(what)", expected: stated.description, actual: digest.description)
            }
            let type = r.header("content-type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
            // A web page or a proxy's error page is not a manifest: say what came back, and from where.
            if (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] == nil {
                throw RegistryError.badResponse(what, reason: "\(try baseURL())/v2/\(repository)/manifests/\(reference) answered HTTP \(r.status) with \(type ?? "no Content-Type"), not a manifest (is \(registry) a container registry?)")
            }
            return (bytes, type, digest)
        }
    }

    /// A small blob (a config) into memory, checked against its digest.
    public func smallBlob(_ repository: String, _ d: Digest, size: Int64) throws -> [UInt8] {
        final class Memory: BlobWriter {
            var bytes: [UInt8] = []
            let limit: Int64
            var failure: Error?
            init(limit: Int64) { self.limit = limit }
            var bytesHeld: Int64 { Int64(bytes.count) }
            func restart() { bytes.removeAll() }
            func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
                guard Int64(bytes.count + chunk.count) <= limit else {
                    failure = ImageError.sizeMismatch("blob", expected: limit, actual: Int64(bytes.count + chunk.count))
                    return false
                }
                bytes.append(contentsOf: chunk)
                return true
            }
        }
        let m = Memory(limit: size)
        try blob(repository, d, size: size, into: m)
        guard Int64(m.bytes.count) == size else { throw ImageError.sizeMismatch("blob \(d)", expected: size, actual: Int64(m.bytes.count)) }
        let got = Digest.of(m.bytes)
        guard got == d else { throw ImageError.digestMismatch("blob \(d)", expected: d.description, actual: got.description) }
        return m.bytes
    }

    /// Streams a blob into `writer`, resuming with a Range request after a dropped connection.
    /// Checking the digest is the writer's job: it sees every byte.
    public func blob(_ repository: String, _ d: Digest, size: Int64, into writer: BlobWriter) throws {
        let what = "\(registry)/\(repository) blob \(d.short)"
        try withRetries(what: what) {
            if writer.bytesHeld >= size, size > 0 { return }
            let from = writer.bytesHeld
            var first = true
            var restartError: Error?
            let r = try exchange("/v2/\(repository)/blobs/\(d)", scope: repository, what: what, resumeFrom: from) { status, chunk in
                if first {
                    first = false
                    // 200 to a ranged request: the server sends it all again.
                    if status == 200, from > 0 {
                        do { try writer.restart() } catch { restartError = error; return false }
                    }
                }
                return writer.append(chunk)
            }
            if let e = restartError ?? writer.failure { throw e }
            if r.status == 416 {
                try writer.restart()
                throw Retryable(failure: RegistryError.badResponse(what, reason: "the range request was refused"), after: 0)
            }
            try check(r, what: what, notFound: .blobUnknown(d.description, in: "\(registry)/\(repository)"))
            if writer.bytesHeld < size {
                throw Retryable(failure: RegistryError.unreachable(registry, reason: "the connection closed after \(writer.bytesHeld) of \(size) bytes of blob \(d.short)"), after: nil)
            }
        }
    }

    /// Checks that the registry accepts our credentials (what `vessel login` does before saving them).
    public func verifyLogin(_ credential: Credential) throws {
        lock.lock(); self.credential = credential; lock.unlock()
        let what = "registry \(registry)"
        try withRetries(what: what) {
            let r = try exchange("/v2/", scope: nil, what: what) { _, _ in true }
            try check(r, what: what, notFound: .badResponse(what, reason: "no /v2/ API (is this a registry?)"))
        }
    }

    /// Maps an HTTP status to success, a retry, or an error naming the cause.
    func check(_ r: HTTPResponse, what: String, notFound: RegistryError) throws {
        switch r.status {
        case 200..<300: return
        case 401: throw RegistryError.unauthorized(what, hadCredentials: credential != nil)
        case 403: throw RegistryError.denied(what)
        case 404: throw notFound
        case 429:
            let after = RetryPolicy.retryAfter(r.header("retry-after"))
            throw Retryable(failure: RegistryError.rateLimited(registry, retryAfter: after.map { Int($0.rounded(.up)) }), after: after)
        case 500..<600:
            throw Retryable(failure: RegistryError.server(what, status: r.status, message: Self.errorMessage(r.body)), after: RetryPolicy.retryAfter(r.header("retry-after")))
        default:
            throw RegistryError.server(what, status: r.status, message: Self.errorMessage(r.body))
        }
    }

    /// The first message of an OCI error body, `{"errors":[{"code":..,"message":..}]}`.
    static func errorMessage(_ body: [UInt8]) -> String {
        struct Body: Decodable { struct E: Decodable { var code: String?; var message: String? }; var errors: [E]? }
        guard let b = try? JSONDecoder().decode(Body.self, from: Data(body)), let e = b.errors?.first else { return "" }
        return [e.code, e.message].compactMap { $0 }.joined(separator: ": ")
    }

    // MARK: Retries

    func withRetries<T>(what: String, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                do { return try body() } catch let e as TransportError {
                    if e.isTLS { throw RegistryError.tls(registry, reason: e.message) }
                    guard e.isTransient else { throw RegistryError.unreachable(registry, reason: e.message) }
                    throw Retryable(failure: RegistryError.unreachable(registry, reason: e.message), after: nil)
                }
            } catch let r as Retryable {
                let wait = r.after ?? options.retry.delay(afterAttempt: attempt)
                guard attempt < options.retry.attempts, wait <= options.retry.longestRetryAfter else { throw r.failure }
                attempt += 1
                options.log("\(what): \(r.failure); retrying in \(String(format: "%.1f", wait)) s (attempt \(attempt + 1) of \(options.retry.attempts + 1))")
                usleep(UInt32(wait * 1_000_000))
            }
        }
    }

    // MARK: One exchange, with authentication and redirects

    /// One request with authentication and redirects. `path` is the API path, or a URL the
    /// registry gave (an upload's Location). `push` asks for a token that may push too.
    func exchange(_ path: String, method: String = "GET", body: HTTPBody? = nil, scope repository: String?, push: Bool = false,
                  what: String, headers: [String: String] = [:],
                  resumeFrom: Int64 = 0, sink: @escaping (Int, UnsafeRawBufferPointer) -> Bool = { _, _ in true }) throws -> HTTPResponse {
        let scope = repository.map { "repository:\($0):\(push ? "pull,push" : "pull")" } ?? ""
        var url = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : try baseURL() + path
        var authorization = tokens.get(scope)
        var triedAuth = false
        var redirects = 0
        while true {
            var request = HTTPRequest(method: method, url: url, headers: headers, resumeFrom: resumeFrom, body: body)
            // The registry's credentials go to the registry only (same scheme, host and port), never
            // to blob storage it redirects to, nor over http when it was reached over https.
            if let authorization, Self.origin(of: url) == Self.origin(of: try baseURL()) { request.headers["Authorization"] = authorization }
            let r = try withTransport { try $0.send(request, sink: sink) }
            if r.isRedirect {
                guard let location = r.header("location"), redirects < 5 else {
                    throw RegistryError.badResponse(what, reason: "too many redirects, or one without a Location")
                }
                url = Self.resolve(location, against: url)
                redirects += 1
                continue
            }
            if r.status == 401, !triedAuth, Self.origin(of: url) == Self.origin(of: try baseURL()) {
                triedAuth = true
                guard let header = r.header("www-authenticate"), let challenge = AuthChallenge(header: header),
                      let value = try authenticate(challenge, scope: scope, what: what) else {
                    throw RegistryError.unauthorized(what, hadCredentials: credential != nil)
                }
                authorization = value
                continue
            }
            return r
        }
    }

    private func authenticate(_ challenge: AuthChallenge, scope: String, what: String) throws -> String? {
        let cred = credential
        switch challenge.scheme {
        case .basic:
            guard let cred else { return nil }
            tokens.put(scope, cred.basicHeader, lifetime: 365 * 86400)
            return cred.basicHeader
        case .bearer:
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
                throw RegistryError.badResponse(what, reason: "a Bearer challenge without a realm")
            }
            var items = components.queryItems ?? []
            if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
            if !scope.isEmpty { items.append(URLQueryItem(name: "scope", value: scope)) }
            components.queryItems = items
            guard let url = components.string else { throw RegistryError.badResponse(what, reason: "an unusable token realm") }
            let realmName = "\(components.scheme ?? "")://\(components.host ?? "")\(components.port.map { ":\($0)" } ?? "")\(components.path)"
            if components.scheme != "https", !(options.insecure || isLoopback) {
                throw RegistryError.tokenService(realmName, reason: "refusing to send credentials over plain HTTP")
            }
            var request = HTTPRequest(url: url)
            if let cred { request.headers["Authorization"] = cred.basicHeader }
            let r: HTTPResponse
            do { r = try withTransport { try $0.send(request, keepLimit: 1 << 20) } } catch let e as TransportError {
                throw RegistryError.tokenService(realmName, reason: e.message)
            }
            switch r.status {
            case 200: break
            case 401, 403: throw RegistryError.unauthorized(what, hadCredentials: cred != nil)
            default: throw RegistryError.tokenService(realmName, reason: "answered \(r.status) \(Self.errorMessage(r.body))")
            }
            guard let t = try? JSONDecoder().decode(TokenResponse.self, from: Data(r.body)), let token = t.token ?? t.access_token else {
                throw RegistryError.tokenService(realmName, reason: "the answer holds no token")
            }
            let value = "Bearer " + token
            tokens.put(scope, value, lifetime: Double(t.expires_in ?? 60))
            return value
        }
    }

    // MARK: Connections

    /// `https://HOST`, or `http://HOST` for a loopback or --insecure registry that has no TLS.
    func baseURL() throws -> String {
        lock.lock()
        if let base { lock.unlock(); return base }
        lock.unlock()
        let https = "https://\(apiHost)"
        var chosen = https
        do {
            _ = try withTransport { try $0.send(HTTPRequest(url: https + "/v2/")) }
        } catch let e as TransportError where e.isNotTLSServer {
            guard isLoopback || options.insecure else { throw RegistryError.plainHTTPRefused(registry) }
            chosen = "http://\(apiHost)"
        } catch let e as TransportError {
            if e.isTLS { throw RegistryError.tls(registry, reason: e.message) }
            if e.isTransient { throw Retryable(failure: RegistryError.unreachable(registry, reason: e.message), after: nil) }
            throw RegistryError.unreachable(registry, reason: e.message)
        }
        lock.lock(); defer { lock.unlock() }
        base = chosen
        return chosen
    }

    private func withTransport<T>(_ body: (HTTPTransport) throws -> T) throws -> T {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        let t = try reused ?? HTTPTransport(caFile: options.caFile)
        defer { lock.lock(); idle.append(t); lock.unlock() }
        return try body(t)
    }

    /// Scheme, host and port (the scheme's default when none is written): where a URL's
    /// requests go, and how. Credentials follow a redirect only to the same origin.
    static func origin(of url: String) -> String {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { return "" }
        let port = c.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
        return "\(scheme)://\(c.host?.lowercased() ?? ""):\(port)"
    }

    static func resolve(_ location: String, against url: String) -> String {
        guard let base = URL(string: url), let u = URL(string: location, relativeTo: base) else { return location }
        return u.absoluteString
    }
}
