import Foundation
import VesselOCI

/// Pushing to a registry (the OCI distribution API's push half): blobs in chunks that survive a
/// dropped connection (the registry is asked how much it holds, and the upload goes on from
/// there), blobs the registry has already skipped, and manifests by tag.
extension RegistryClient {
    /// Whether the repository already holds the blob (HEAD): a second push sends nothing.
    public func hasBlob(_ repository: String, _ d: Digest, size: Int64) throws -> Bool {
        let what = "\(registry)/\(repository) blob \(d.short)"
        return try withRetries(what: what) {
            let r = try exchange("/v2/\(repository)/blobs/\(d)", method: "HEAD", scope: repository, push: true, what: what)
            if r.status == 404 { return false }
            try check(r, what: what, notFound: .blobUnknown(d.description, in: "\(registry)/\(repository)"))
            return r.header("content-length").flatMap(Int64.init).map { $0 == size } ?? true
        }
    }

    /// Uploads `size` bytes of the open file `fd` as blob `d`, `chunkSize` bytes a request;
    /// `progress` is told of every byte the registry holds.
    public func pushBlob(_ repository: String, fd: Int32, digest d: Digest, size: Int64, chunkSize: Int64,
                         progress: (Int) -> Void) throws {
        try pushBlob(repository, digest: d, size: size, chunkSize: chunkSize, progress: progress) { .file(fd: fd, offset: $0, length: $1) }
    }

    /// Uploads a small blob held in memory (a config).
    public func pushBlob(_ repository: String, bytes: [UInt8], digest d: Digest) throws {
        try pushBlob(repository, digest: d, size: Int64(bytes.count), chunkSize: Int64(max(1, bytes.count)), progress: { _ in }) {
            .bytes(Array(bytes[Int($0)..<Int($0 + $1)]))
        }
    }

    private func pushBlob(_ repository: String, digest d: Digest, size: Int64, chunkSize: Int64, progress: (Int) -> Void,
                          body: (Int64, Int64) -> HTTPBody) throws {
        let what = "\(registry)/\(repository) blob \(d.short)"
        var location = try startUpload(repository, what: what)
        var offset: Int64 = 0
        var askStatus = false
        while offset < size {
            try withRetries(what: what) {
                if askStatus {
                    let held = try uploadStatus(repository, at: &location, what: what)
                    if held > offset { progress(Int(held - offset)) }
                    offset = held
                    askStatus = false
                    if offset >= size { return }
                }
                let length = min(chunkSize, size - offset)
                askStatus = true  // if this request fails, ask the registry what it received
                let r = try exchange(location, method: "PATCH", body: body(offset, length),
                                     scope: repository, push: true, what: what,
                                     headers: ["Content-Type": "application/octet-stream",
                                               "Content-Range": "\(offset)-\(offset + length - 1)"])
                // Not where the registry's copy ends (an earlier attempt reached it after all),
                // or a session it has dropped: ask it, and go on from what it says.
                if r.status == 416 || r.status == 404 {
                    throw Retryable(failure: RegistryError.badResponse(what, reason: "the registry refused the chunk at byte \(offset) (\(r.status))"), after: 0)
                }
                try check(r, what: what, notFound: .badResponse(what, reason: "the upload vanished from the registry"))
                askStatus = false
                if let next = r.header("location") { location = Self.resolve(next, against: location) }
                offset += length
                progress(Int(length))
            }
        }
        try withRetries(what: what) {
            let url = location + (location.contains("?") ? "&" : "?") + "digest=\(d)"
            let r = try exchange(url, method: "PUT", body: .bytes([]), scope: repository, push: true, what: what)
            if r.status == 400 {
                throw RegistryError.server(what, status: r.status, message: Self.errorMessage(r.body) + " (the registry's copy does not have this digest)")
            }
            try check(r, what: what, notFound: .badResponse(what, reason: "the upload vanished from the registry"))
        }
    }

    /// Opens an upload session; its URL.
    private func startUpload(_ repository: String, what: String) throws -> String {
        try withRetries(what: what) {
            let r = try exchange("/v2/\(repository)/blobs/uploads/", method: "POST", body: .bytes([]), scope: repository, push: true, what: what)
            try check(r, what: what, notFound: .badResponse(what, reason: "the registry has no upload API for \(repository)"))
            guard let location = r.header("location") else { throw RegistryError.badResponse(what, reason: "an upload without a Location") }
            return Self.resolve(location, against: try baseURL() + "/v2/\(repository)/blobs/uploads/")
        }
    }

    /// How many bytes of an upload the registry holds (`Range: 0-LAST`); a session the
    /// registry has forgotten starts again from nothing.
    private func uploadStatus(_ repository: String, at location: inout String, what: String) throws -> Int64 {
        let r = try exchange(location, scope: repository, push: true, what: what)
        if r.status == 404 {
            location = try startUpload(repository, what: what)
            return 0
        }
        try check(r, what: what, notFound: .badResponse(what, reason: "the upload vanished"))
        if let next = r.header("location") { location = Self.resolve(next, against: location) }
        guard let range = r.header("range"), let last = range.split(separator: "-").last.flatMap({ Int64($0) }) else { return 0 }
        return range.contains("--") ? 0 : last + 1
    }

    /// Stores a manifest under `reference` (a tag); its digest.
    @discardableResult
    public func pushManifest(_ repository: String, reference: String, bytes: [UInt8], mediaType: String) throws -> Digest {
        let what = "\(registry)/\(repository):\(reference)"
        return try withRetries(what: what) {
            let r = try exchange("/v2/\(repository)/manifests/\(reference)", method: "PUT", body: .bytes(bytes), scope: repository,
                                 push: true, what: what, headers: ["Content-Type": mediaType])
            if r.status == 400 || r.status == 415 {
                throw RegistryError.artifactRefused(what, status: r.status, message: Self.errorMessage(r.body))
            }
            try check(r, what: what, notFound: .badResponse(what, reason: "no such repository"))
            let digest = Digest.of(bytes)
            if let stated = r.header("docker-content-digest"), stated != digest.description {
                throw RegistryError.badResponse(what, reason: "it stored the manifest as \(stated), not \(digest)")
            }
            return digest
        }
    }
}
