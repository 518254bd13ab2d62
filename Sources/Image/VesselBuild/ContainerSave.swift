import Foundation
import VesselBasics
import VesselImage
import VesselOCI
import VesselSquashFS
import VesselTree
import VesselWire

extension Converter {
    /// `--save` and `--container-save`: a container's root as a new image. The base image's
    /// tree is read entry by entry (leaving out what the container replaced or removed), the
    /// overlay's upper layer is put over it (OverlayUpperLayer), and the result written like
    /// any build: exact, atomically, with the base image's configuration and a provenance that
    /// is the base's plus `savedFrom` (the base file's digest and the job).
    public func save(image path: String, upper: String, made: MadeEntries, job: String?, output: String,
                     options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        let squashfs = try SquashFSImage(path: path)
        let reader = try SquashFSReader(path: path)
        let fileSize = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
        let progress = Progress(total: 2 * fileSize, label: "saving the container's root", style: progressStyle)
        let (digest, _) = try Digest.of(file: path, progress: progress.advance)
        let decoder = JSONDecoder()
        func metadata(_ name: String) throws -> [UInt8]? { try reader.readFile("/" + MetadataPaths.directory + "/" + name) }
        let config = try metadata(MetadataPaths.config).flatMap { try? decoder.decode(RuntimeConfig.self, from: Data($0)) }
            ?? RuntimeConfig(env: [], entrypoint: nil, labels: [:], platform: "linux/\(PlainSystem.hostArchitecture)")
        let configBytes = try metadata(MetadataPaths.imageConfig) ?? Array(try JSONEncoder.stable.encode(config)) + [0x0a]
        let timestamp = options.sourceDateEpoch ?? Int64(Date().timeIntervalSince1970)
        var provenance = try metadata(MetadataPaths.provenance).flatMap { try? decoder.decode(Provenance.self, from: Data($0)) }
            ?? Provenance(manifestDigest: nil, configDigest: Digest.of(configBytes).description, platform: config.platform, created: nil,
                          layers: [], vesselVersion: VesselVersion.current,
                          build: .init(compression: "", level: nil, blockSize: 0, timestamp: 0))
        provenance.vesselVersion = VesselVersion.current
        provenance.build = .init(compression: options.compression.algorithm.rawValue, level: options.compression.level,
                                 blockSize: options.compression.blockSize, timestamp: timestamp)
        provenance.savedFrom = .init(image: digest.description, job: job)

        let layer = try OverlayUpperLayer(directory: upper, made: made)
        let out = try AtomicOutput(path: output, replace: true)
        let writer = try SquashFSWriter(path: out.writePath, displayPath: output, options: options.compression, workers: options.workers,
                                        timestamp: UInt32(clamping: timestamp))
        writer.warn = { log("warning: \($0)") }
        let tree = try SquashFSTreeReader(image: squashfs).read(into: writer, skip: layer.hides)
        try layer.apply(to: tree, sink: writer)
        progress.advance(Int(fileSize))
        try addMetadata(to: tree, config: config, configBytes: configBytes, provenance: provenance, writer: writer,
                        timestamp: timestamp, compat: false)
        return try finish(tree, writer: writer, out: out, output: output, source: "container of \(digest)", provenance: provenance, progress: progress)
    }
}
