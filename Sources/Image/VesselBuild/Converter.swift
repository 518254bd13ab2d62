import Foundation
import VesselImage
import VesselOCI
import VesselSquashFS
import VesselTree

/// What `vessel build` was asked for.
public struct BuildOptions: Sendable {
    public var compression: CompressionOptions
    /// nil: the host's platform.
    public var platform: Platform?
    /// Compressor threads; the layer stream itself is read on the calling thread.
    public var workers: Int
    public var replace: Bool
    /// SOURCE_DATE_EPOCH, when set, fixes every time stamp Vessel itself makes.
    public var sourceDateEpoch: Int64?
    /// Also write the metadata Apptainer and Charliecloud read (see CompatMetadata).
    public var compatMetadata = true

    public init(compression: CompressionOptions, platform: Platform? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                replace: Bool = false, sourceDateEpoch: Int64? = nil) {
        self.compression = compression
        self.platform = platform
        self.workers = workers
        self.replace = replace
        self.sourceDateEpoch = sourceDateEpoch
    }
}

extension BuildOptions {
    /// What `vessel build` does with no option given.
    public static func defaults() throws -> BuildOptions { BuildOptions(compression: try CompressionOptions()) }
}

/// What a finished build reports.
public struct BuildReport: Codable, Sendable {
    public let output: String
    /// Where the image came from (a registry reference is pinned to its digest). Not stored in the
    /// image, so that the same image gives the same bytes from any transport.
    public let source: String
    public let imageBytes: UInt64
    public let dataBytes: UInt64
    public let inodes: UInt32
    public let seconds: Double
    /// True when a registry image came from the cache, converted before.
    public let cached: Bool
    public let provenance: Provenance

    public init(output: String, source: String, imageBytes: UInt64, dataBytes: UInt64, inodes: UInt32, seconds: Double,
                cached: Bool, provenance: Provenance) {
        self.output = output
        self.source = source
        self.imageBytes = imageBytes
        self.dataBytes = dataBytes
        self.inodes = inodes
        self.seconds = seconds
        self.cached = cached
        self.provenance = provenance
    }
}

/// Converts an image source into one SquashFS file: layers stream top-down through the merge,
/// file data goes straight into the SquashFS writer, and the result is renamed into place only
/// when complete.
public struct Converter {
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init() {}

    public func build(source: SourceReference, output: String, options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        if case .sif(let path) = source { return try build(sif: path, output: output, options: options, progressStyle: progressStyle) }
        let image = try ImageResolver.resolve(source, platform: options.platform)
        let progress = Progress(total: image.totalLayerBytes, label: "converting \(image.layers.count) layers", style: progressStyle)
        return try build(image: image, output: output, options: options, progress: progress)
    }

    /// Converts an image whose layers may still be arriving: `layerReady(i)` returns once layer
    /// i's blob is complete (a registry pull downloads them while earlier ones convert).
    public func build(image: ResolvedImage, output: String, options: BuildOptions, progress: Progress,
                      layerReady: (Int) throws -> Void = { _ in }) throws -> BuildReport {
        let timestamp = options.sourceDateEpoch ?? Self.parseCreated(image.config.created) ?? 0
        let out = try AtomicOutput(path: output, replace: options.replace)
        let writer = try SquashFSWriter(path: out.writePath, displayPath: output, options: options.compression, workers: options.workers,
                                        timestamp: UInt32(clamping: timestamp))
        writer.warn = { log("warning: \($0)") }
        let merger = LayerMerger(sink: writer, spillDirectory: out.directory,
                                 implicitDirectory: Metadata(permissions: 0o755, mtime: timestamp))
        for (index, layer) in image.layers.enumerated().reversed() {
            try layerReady(index)
            let reader = try LayerReader(blob: layer, progress: progress.advance)
            try merger.apply(reader, index: index, label: layer.label)
        }
        let tree = try merger.finish()
        let provenance = Self.provenance(image, options: options, timestamp: timestamp)
        try addMetadata(to: tree, config: RuntimeConfig(image), configBytes: image.configBytes, provenance: provenance,
                        writer: writer, timestamp: timestamp, compat: options.compatMetadata)
        return try finish(tree, writer: writer, out: out, output: output, source: image.reference.description, provenance: provenance,
                          progress: progress)
    }

    /// The end of every build: the tree written, the output renamed into place, the report.
    func finish(_ tree: FileTree, writer: SquashFSWriter, out: AtomicOutput, output: String, source: String,
                provenance: Provenance, progress: Progress) throws -> BuildReport {
        let stats = try writer.finish(tree: tree)
        try out.commit()
        progress.finish("wrote \(output): \(Progress.bytes(Int64(stats.imageBytes))), \(stats.inodes) inodes, in \(String(format: "%.1f", progress.elapsed)) s")
        return BuildReport(output: output, source: source, imageBytes: stats.imageBytes, dataBytes: stats.inputBytes,
                           inodes: stats.inodes, seconds: progress.elapsed, cached: false, provenance: provenance)
    }

    /// Puts /.vessel/{config,provenance,image-config}.json into the tree, replacing any the image had.
    func addMetadata(to tree: FileTree, config: RuntimeConfig, configBytes: [UInt8], provenance: Provenance,
                     writer: SquashFSWriter, timestamp: Int64, compat: Bool) throws {
        let dirMeta = Metadata(permissions: 0o755, mtime: timestamp)
        let dir = TreeNode(name: FileName(MetadataPaths.directory), inode: Inode(kind: .directory, metadata: dirMeta))
        let files: [(String, [UInt8])] = [
            (MetadataPaths.config, Array(try JSONEncoder.stable.encode(config)) + [0x0a]),
            (MetadataPaths.provenance, Array(try JSONEncoder.stable.encode(provenance)) + [0x0a]),
            (MetadataPaths.imageConfig, configBytes),
        ]
        for (name, bytes) in files {
            try writer.beginFile()
            try bytes.withUnsafeBytes { try writer.append($0) }
            let ref = try writer.endFile()
            dir.setChild(TreeNode(name: FileName(name),
                                  inode: Inode(kind: .regular(ref), metadata: Metadata(permissions: 0o644, mtime: timestamp))))
        }
        tree.root.setChild(dir)
        guard compat else { return }
        for (path, name, bytes, mode) in try CompatMetadata.files(config) {
            var parent = tree.root
            for component in path {
                let fn = FileName(component)
                if let existing = parent.child(fn), case .directory = existing.inode.kind {
                    parent = existing
                } else {
                    let d = TreeNode(name: fn, inode: Inode(kind: .directory, metadata: dirMeta))
                    parent.setChild(d)
                    parent = d
                }
            }
            try writer.beginFile()
            try bytes.withUnsafeBytes { try writer.append($0) }
            let ref = try writer.endFile()
            parent.setChild(TreeNode(name: FileName(name), inode: Inode(kind: .regular(ref), metadata: Metadata(permissions: mode, mtime: timestamp))))
        }
    }

    static func provenance(_ image: ResolvedImage, options: BuildOptions, timestamp: Int64) -> Provenance {
        Provenance(manifestDigest: image.manifestDigest?.description, configDigest: image.configDigest.description,
                   platform: image.platform.description, created: image.config.created,
                   layers: image.layers.map { .init(digest: $0.digest?.description, mediaType: $0.mediaType, size: $0.region.length) },
                   vesselVersion: VesselVersion.current,
                   build: .init(compression: options.compression.algorithm.rawValue, level: options.compression.level,
                                blockSize: options.compression.blockSize, timestamp: timestamp))
    }

    /// The image's `created` time (RFC 3339, fractional seconds allowed).
    static func parseCreated(_ s: String?) -> Int64? {
        guard let s else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970) }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s).map { Int64($0.timeIntervalSince1970) }
    }
}
