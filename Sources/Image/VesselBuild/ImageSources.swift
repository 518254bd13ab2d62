import Foundation
import VesselImage
import VesselOCI
import VesselSquashFS

/// Every image source in one place: what `vessel build` writes from it, and which file
/// `vessel resolve`, `exec oras://...`, `submit` and the Slurm plugin run for it.
extension Puller {
    /// A registry image (docker://, oras://) rather than a local file or layout.
    public static func isRegistry(_ source: String) -> Bool { source.hasPrefix("docker://") || source.hasPrefix("oras://") }

    /// `vessel build OUT SOURCE`: a registry image is pulled (through the cache), anything else converted.
    public func build(_ source: String, output: String, options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        if Self.isRegistry(source) { return try pull(source, output: output, options: options, progressStyle: progressStyle) }
        var converter = Converter()
        converter.log = log
        return try converter.build(source: try Self.parse(source), output: output, options: options, progressStyle: progressStyle)
    }

    /// A local source: `sif:FILE`, or the path of a .sif file (the SquashFS reader knows it by
    /// its header), or what SourceReference takes.
    static func parse(_ source: String) throws -> SourceReference {
        if !source.contains(":"), (try? SquashFSImage.superBlock(path: source))?.region.isSIF == true { return .sif(path: source) }
        return try SourceReference.parse(source)
    }

    /// The image file to run for SOURCE: an image file as it is (its absolute path); a
    /// registry image pulled, a layout or archive converted, once per digest, into the cache.
    public func resolve(_ source: String, options: BuildOptions, progressStyle: Progress.Style) throws -> String {
        if (try? SquashFSImage.superBlock(path: source)) != nil { return URL(fileURLWithPath: source).resolvingSymlinksInPath().path }
        let looksLikeFile = source.hasPrefix("/") || source.hasPrefix("./") || source.hasPrefix("../")
            || [".sqsh", ".sqfs", ".squashfs", ".sif", ".tar"].contains { source.hasSuffix($0) }
        if looksLikeFile, !FileManager.default.fileExists(atPath: source) { throw ImageError.sourceNotFound(source) }
        let local = ["oci:", "oci-archive:", "docker-archive:", "sif:"].contains { source.hasPrefix($0) } || FileManager.default.fileExists(atPath: source)
        if local { return try cachedLocal(try Self.parse(source), options: options, progressStyle: progressStyle) }
        return try pull(source, output: nil, options: options, progressStyle: progressStyle).output
    }
}
