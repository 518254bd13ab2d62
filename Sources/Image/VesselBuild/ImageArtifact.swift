import Foundation
import VesselImage
import VesselBasics
import VesselOCI
import VesselRegistry
import VesselSquashFS

/// A Vessel image (or an Apptainer .sif file) stored in a registry as an OCI artifact: an
/// image manifest with an `artifactType`, whose config blob is the image's run-time
/// configuration and provenance, and whose one layer is the file itself, byte for byte.
/// A .sif file is pushed with Apptainer's media types, so that `apptainer pull oras://`
/// takes it; `vessel pull oras://` takes both.
public enum ImageArtifact {
    public static let artifactType = "application/vnd.vessel.image.v1"
    public static let configMediaType = "application/vnd.vessel.image.config.v1+json"
    public static let layerMediaType = "application/vnd.vessel.image.layer.v1.squashfs"
    public static let sifConfigMediaType = "application/vnd.sylabs.sif.config.v1+json"
    public static let sifLayerMediaType = Converter.sifMediaType
    static let title = "org.opencontainers.image.title"

    /// The config blob of a Vessel image's artifact.
    struct Config: Codable {
        var config: RuntimeConfig?
        var provenance: Provenance?
    }

    struct Manifest: Encodable {
        var schemaVersion = 2
        var mediaType = MediaType.ociManifest
        var artifactType: String?
        var config: Descriptor
        var layers: [Descriptor]
        var annotations: [String: String]?
    }

    /// The layer of a manifest that holds an image file (Vessel's or Apptainer's); nil for a
    /// container image's manifest, which is converted as usual.
    public static func imageLayer(of manifest: ImageManifest) -> Descriptor? {
        guard [configMediaType, sifConfigMediaType].contains(manifest.config.mediaType ?? "")
                || manifest.layers.contains(where: { [layerMediaType, sifLayerMediaType].contains($0.mediaType ?? "") }) else { return nil }
        return manifest.layers.first { [layerMediaType, sifLayerMediaType].contains($0.mediaType ?? "") }
    }
}

/// `vessel push IMAGE oras://REGISTRY/REPO[:TAG]`.
public struct ArtifactPusher {
    public var registry: RegistryOptions
    /// Bytes a PATCH request carries; registries behind a proxy may limit a request's size.
    public var chunkSize: Int64 = 64 << 20
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(registry: RegistryOptions) {
        self.registry = registry
        RegistryClient.version = VesselVersion.current
    }

    public struct Report: Codable, Sendable {
        public struct Blob: Codable, Sendable {
            public var digest: String
            public var size: Int64
            public var mediaType: String
            /// False when the registry had it already.
            public var uploaded: Bool
        }
        public var image: String
        public var reference: String
        public var manifestDigest: String
        public var blobs: [Blob]
        public var uploadedBytes: Int64
    }

    /// Pushes the image file at `path` (read through one descriptor) under `target`'s tag.
    /// `annotations` go into the manifest (the signatures, which VesselSign reads).
    public func push(_ path: String, to target: String, annotations: [String: String],
                     progressStyle: Progress.Style) throws -> Report {
        let reference = try RegistryReference(parsing: target)
        guard reference.digest == nil, let tag = reference.tag else {
            throw RegistryError.invalidReference(target, reason: "a push names a tag, not a digest")
        }
        let file: OpenedFile
        do { file = try OpenedFile(path) } catch { throw BuildError.output(path, reason: "cannot read it: \(error)") }
        let reader = try SquashFSReader(path: file.path, display: path)
        let isSIF = reader.region.isSIF
        let hashing = Progress(total: file.size, label: "hashing \(path)", style: progressStyle)
        let (layerDigest, size) = try Digest.of(file: file.path, progress: hashing.advance)
        hashing.finish("")

        let configBytes: [UInt8]
        if isSIF {
            configBytes = Array("{}".utf8)
        } else {
            let inspection = try Inspection(path: file.path)
            configBytes = Array(try JSONEncoder.stable.encode(ImageArtifact.Config(config: inspection.config, provenance: inspection.provenance))) + [0x0a]
        }
        let config = Descriptor(mediaType: isSIF ? ImageArtifact.sifConfigMediaType : ImageArtifact.configMediaType,
                                digest: Digest.of(configBytes), size: Int64(configBytes.count))
        let name = URL(fileURLWithPath: path).lastPathComponent
        let layer = Descriptor(mediaType: isSIF ? ImageArtifact.sifLayerMediaType : ImageArtifact.layerMediaType,
                               digest: layerDigest, size: size, annotations: [ImageArtifact.title: name])
        let manifest = ImageArtifact.Manifest(artifactType: isSIF ? nil : ImageArtifact.artifactType, config: config, layers: [layer],
                                              annotations: annotations.isEmpty ? nil : annotations)
        let manifestBytes = Array(try JSONEncoder.stable.encode(manifest))

        let client = try RegistryClient(reference: reference, options: registry)
        let repo = reference.repository
        var blobs: [Report.Blob] = []
        var uploaded: Int64 = 0
        if try !client.hasBlob(repo, config.digest, size: config.size) {
            try client.pushBlob(repo, bytes: configBytes, digest: config.digest)
            uploaded += config.size
            blobs.append(.init(digest: config.digest.description, size: config.size, mediaType: config.mediaType!, uploaded: true))
        } else {
            blobs.append(.init(digest: config.digest.description, size: config.size, mediaType: config.mediaType!, uploaded: false))
        }
        if try !client.hasBlob(repo, layerDigest, size: size) {
            let progress = Progress(total: size, label: "pushing \(name) to \(reference.registry)/\(repo)", style: progressStyle)
            try client.pushBlob(repo, fd: file.fd, digest: layerDigest, size: size, chunkSize: chunkSize, progress: progress.advance)
            progress.finish("pushed \(Progress.bytes(size)) in \(String(format: "%.1f", progress.elapsed)) s")
            uploaded += size
            blobs.append(.init(digest: layerDigest.description, size: size, mediaType: layer.mediaType!, uploaded: true))
        } else {
            if progressStyle != .quiet { log("\(reference.registry)/\(repo) has \(name) (\(layerDigest.short)) already; not sent again") }
            blobs.append(.init(digest: layerDigest.description, size: size, mediaType: layer.mediaType!, uploaded: false))
        }
        let digest = try client.pushManifest(repo, reference: tag, bytes: manifestBytes, mediaType: MediaType.ociManifest)
        return Report(image: path, reference: reference.pinned(to: digest).description, manifestDigest: digest.description,
                      blobs: blobs, uploadedBytes: uploaded)
    }
}

extension Puller {
    /// `vessel pull oras://...`: the artifact's image file downloaded into the cache once per
    /// manifest digest (checked against the layer's digest as it arrives, so a tampered blob is
    /// refused and not kept), and placed at `output`. Nothing is converted: the bytes are the
    /// pushed file's.
    func pullArtifact(_ r: Resolution, layer: Descriptor, client: RegistryClient, cache: ImageCache, output: String?,
                      options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        let key = "a" + String(Digest.of(Array("artifact \(r.manifestDigest) \(layer.digest)".utf8)).hex.prefix(31))
        let start = Date()
        // The entry must hold the layer's bytes: another member of a shared cache could have
        // put anything, with a record to match, under this predictable key.
        let (image, made) = try cache.image(key, expecting: layer.digest, log: log) { key in
            if !cache.hasBlob(layer.digest, size: layer.size) {
                let progress = Progress(total: layer.size, label: "pulling \(r.pinned)", style: progressStyle)
                let blob = try BlobFile(cache: cache, digest: layer.digest, size: layer.size, progress: progress.advance)
                try client.blob(r.reference.repository, layer.digest, size: layer.size, into: blob)
                try blob.commit()
                progress.finish("pulled \(Progress.bytes(layer.size)) in \(String(format: "%.1f", progress.elapsed)) s")
            }
            let out = try AtomicOutput(path: cache.imagePath(key), replace: true)
            try Self.copyFile(cache.blobPath(layer.digest), to: out.writePath, display: cache.imagePath(key))
            // The copy is hashed once more, by cache.record; `expecting` holds it to the layer's digest.
            try out.commit()
            try cache.record(.init(source: r.reference.description, pinned: r.pinned.description,
                                   manifestDigest: r.manifestDigest.description, platform: "-",
                                   compression: layer.mediaType == ImageArtifact.sifLayerMediaType ? "sif (as pushed)" : "as pushed",
                                   created: ISO8601DateFormatter().string(from: Date())), key: key)
        }
        let cached = !made
        if cached, announceCached, progressStyle != .quiet { log("\(r.pinned): pulled before; using \(image.path)") }
        if let output { try Self.place(image.path, at: output, replace: options.replace) }
        let inspection = try Inspection(path: image.path)
        let provenance = inspection.provenance ?? Provenance(
            source: nil, transport: "sif", manifestDigest: r.manifestDigest.description, configDigest: r.manifest.config.digest.description,
            platform: inspection.config?.platform ?? "-", created: nil,
            layers: [.init(digest: layer.digest.description, mediaType: layer.mediaType ?? "", size: layer.size)],
            vesselVersion: VesselVersion.current, build: .init(compression: inspection.squashfs.compression, level: nil,
                                                               blockSize: Int(inspection.squashfs.blockSize), timestamp: Int64(inspection.squashfs.created)))
        return BuildReport(output: output ?? image.path, source: r.pinned.description, imageBytes: UInt64(image.bytes), dataBytes: 0,
                           inodes: inspection.squashfs.inodes, seconds: Date().timeIntervalSince(start), cached: cached,
                           provenance: provenance)
    }
}
