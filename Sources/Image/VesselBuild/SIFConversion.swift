import Foundation
import VesselImage
import VesselOCI
import VesselSquashFS
import VesselTree

extension Converter {
    /// The media type an Apptainer-pushed SIF file has as an OCI artifact's layer (`oras://`),
    /// and the one the provenance of a converted SIF file gives its single "layer".
    public static let sifMediaType = "application/vnd.sylabs.sif.layer.v1.sif"

    /// `vessel build OUT sif:FILE`: the SIF file's root partition, read entry by entry into a
    /// plain Vessel image (owners, modes, times, xattrs, devices and hard links as they were),
    /// with /.vessel/config.json made from its /.singularity.d and a provenance naming the SIF
    /// file's digest. Apptainer's metadata is already in the tree, so Vessel adds no compat files.
    public func build(sif path: String, output: String, options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        let squashfs = try SquashFSImage(path: path)
        guard squashfs.region.isSIF else { throw ImageError.unrecognizedSource(path) }
        let fileSize = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
        let progress = Progress(total: 2 * fileSize, label: "converting the SIF file's root partition", style: progressStyle)
        let (digest, size) = try Digest.of(file: path, progress: progress.advance)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        let arch = fd >= 0 ? (try? SIFFile(fd: fd, name: path).arch) ?? "amd64" : "amd64"
        if fd >= 0 { close(fd) }
        let tree0: (config: RuntimeConfig, notes: [String])?
        let reader = try SquashFSReader(path: path)
        tree0 = try SingularityMetadata.runtimeConfig(platform: "linux/\(arch)", read: { try reader.readFile($0) })
        for note in tree0?.notes ?? [] { log("warning: \(note)") }
        let config = tree0?.config ?? RuntimeConfig(env: [], entrypoint: nil, labels: [:], platform: "linux/\(arch)")
        let configBytes = Array(try JSONEncoder.stable.encode(config)) + [0x0a]
        let timestamp = options.sourceDateEpoch ?? Int64(reader.summary.created)

        let out = try AtomicOutput(path: output, replace: options.replace)
        let writer = try SquashFSWriter(path: out.writePath, displayPath: output, options: options.compression, workers: options.workers,
                                        timestamp: UInt32(clamping: timestamp))
        writer.warn = { log("warning: \($0)") }
        let tree = try SquashFSTreeReader(image: squashfs).read(into: writer)
        progress.advance(Int(fileSize))
        let provenance = Provenance(source: nil, transport: "sif", manifestDigest: nil,
                                    configDigest: Digest.of(configBytes).description, platform: config.platform, created: nil,
                                    layers: [.init(digest: digest.description, mediaType: Self.sifMediaType, size: size)],
                                    vesselVersion: VesselVersion.current,
                                    build: .init(compression: options.compression.algorithm.rawValue, level: options.compression.level,
                                                 blockSize: options.compression.blockSize, timestamp: timestamp))
        try addMetadata(to: tree, config: config, configBytes: configBytes, provenance: provenance, writer: writer,
                        timestamp: timestamp, compat: false)
        return try finish(tree, writer: writer, out: out, output: output, source: "sif:\(path)", provenance: provenance, progress: progress)
    }
}
