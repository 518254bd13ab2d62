import Foundation

/// An image whose manifest and configuration have been read and checked, with the location
/// of each layer blob. Nothing of the layers has been read yet.
public struct ResolvedImage: Sendable {
    public let reference: SourceReference
    /// The manifest's digest; a docker-archive has no manifest blob, so there it is nil.
    public let manifestDigest: Digest?
    public let configDigest: Digest
    public let configBytes: [UInt8]
    public let config: ImageConfigFile
    /// Bottom layer first, as in the manifest.
    public let layers: [LayerBlob]
    public let platform: Platform

    public var totalLayerBytes: Int64 { layers.reduce(0) { $0 + $1.region.length } }
}

/// Where a layer's bytes are and how to check them while they stream.
public struct LayerBlob: Sendable {
    public let region: FileRegion
    public let mediaType: String
    /// The digest the blob must hash to, when the source states one.
    public let digest: Digest?
    /// The digest of the uncompressed tar (the config's diff_id), checked as well unless the
    /// blob digest already covers it (an uncompressed layer).
    public let diffID: Digest?
    /// What messages call the layer: its short digest, or its name inside an archive.
    public let label: String

    public init(region: FileRegion, mediaType: String, digest: Digest?, diffID: Digest?, label: String) {
        self.region = region
        self.mediaType = mediaType
        self.digest = digest
        self.diffID = diffID
        self.label = label
    }
}

/// Opens any local source kind and resolves it to one image for a platform.
public enum ImageResolver {
    public static func resolve(_ ref: SourceReference, platform: Platform?) throws -> ResolvedImage {
        switch ref {
        case .ociLayout(let path, let sel):
            return try OCILayoutReader(store: try LayoutStore.openDirectory(path), place: path)
                .resolve(ref, selector: sel, platform: platform)
        case .ociArchive(let path, let sel):
            return try OCILayoutReader(store: try LayoutStore.openArchive(path), place: path)
                .resolve(ref, selector: sel, platform: platform)
        case .dockerArchive(let path, let name):
            return try DockerArchiveReader(path: path).resolve(ref, name: name, platform: platform)
        case .registry, .sif:
            throw ImageError.unsupportedTransport(ref.description)
        }
    }
}

/// The files of an OCI image layout, in a directory or inside a tar.
enum LayoutStore {
    case directory(String)
    case archive(TarIndex)

    static func openDirectory(_ path: String) throws -> LayoutStore {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ImageError.sourceNotFound(path) }
        guard isDir.boolValue else { throw ImageError.invalidLayout(path, reason: "an OCI layout is a directory (for a tar use oci-archive:)") }
        return .directory(path)
    }

    static func openArchive(_ path: String) throws -> LayoutStore {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageError.sourceNotFound(path) }
        return .archive(try TarIndex(path: path))
    }

    func file(_ name: String) -> FileRegion? {
        switch self {
        case .directory(let dir):
            let p = dir + "/" + name
            var st = stat()
            guard stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return FileRegion(path: p, offset: 0, length: Int64(st.st_size))
        case .archive(let index):
            return index.member(name)
        }
    }
}

/// Reads a small JSON blob, checking its size and digest, and decodes it.
func readJSONBlob<T: Decodable>(_ type: T.Type, region: FileRegion, digest: Digest?, size: Int64?, what: String) throws -> (T, [UInt8]) {
    if let size, region.length != size {
        throw ImageError.sizeMismatch(what, expected: size, actual: region.length)
    }
    let bytes = try region.readAll()
    if let digest {
        let actual = Digest.of(bytes)
        guard actual == digest else { throw ImageError.digestMismatch(what, expected: digest.description, actual: actual.description) }
    }
    do {
        return (try JSONDecoder().decode(T.self, from: Data(bytes)), bytes)
    } catch let e as ImageError {
        throw e
    } catch {
        throw ImageError.invalidJSON(what, reason: shortDecodingError(error))
    }
}

func shortDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
    case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
        return "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.dataCorrupted(let ctx): return ctx.debugDescription
    default: return "\(error)"
    }
}
