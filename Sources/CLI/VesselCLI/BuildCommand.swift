import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselOCI
import VesselSquashFS

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Convert an OCI or Docker image into one SquashFS file.",
        discussion: """
        SOURCE is one of:
          docker://[REGISTRY/]REPO[:TAG|@sha256:DIGEST]
                                         an image in a registry (see vessel pull)
          oci:DIR[:TAG|@sha256:DIGEST]   an OCI image layout directory
          oci-archive:FILE[:TAG]         a tar of an OCI image layout
          docker-archive:FILE[:NAME:TAG] what `docker save` or `podman save` writes
          PATH                           any of the above; the kind is detected

        Layers are streamed and merged in memory (metadata only); file data goes straight \
        into the SquashFS file. Owners, modes, xattrs, hard links and whiteouts are kept \
        exactly, and no root is needed. The same source and options always give the same \
        bytes; set SOURCE_DATE_EPOCH to fix the image's time stamp.

        Examples:
          vessel build debian.sqsh oci:./layout:bookworm
          vessel build python.sqsh docker://python:3.12-slim
          vessel build --arch arm64 app.sqsh oci-archive:app.tar
          vessel build --compression xz big.sqsh docker-archive:big.tar
        """
    )

    @Argument(help: ArgumentHelp("The SquashFS file to write.", valueName: "OUTPUT.sqsh"))
    var output: String

    @Argument(help: ArgumentHelp("The image to convert (see below).", valueName: "SOURCE"))
    var source: String

    @OptionGroup(title: "Conversion")
    var conversion: ConversionOptions

    @OptionGroup(title: "Registry (docker:// sources)")
    var registry: RegistryFlags

    func run() throws {
        try failing(as: "build") {
            let report = try registry.puller(quiet: conversion.quiet)
                .build(source, output: output, options: try conversion.buildOptions(), progressStyle: Progress.defaultStyle(quiet: conversion.quiet))
            try conversion.finish(report)
        }
    }
}

/// The options every command that writes an image shares (build, pull).
struct ConversionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Platform to take from a multi-platform image: ARCH or OS/ARCH[/VARIANT] (default: this machine's).", valueName: "ARCH"))
    var arch: String?

    @Option(help: ArgumentHelp("Compressor: zstd, gzip, xz or lz4.", valueName: "NAME"))
    var compression: CompressionOptions.Algorithm = .zstd

    @Option(help: ArgumentHelp("Compression level (zstd 1-22, default 3; gzip 1-9, default 9).", valueName: "N"))
    var level: Int?

    @Option(help: ArgumentHelp("Data block size, a power of two from 4K to 1M.", valueName: "SIZE"))
    var blockSize: String = "128K"

    @Option(name: .shortAndLong, help: ArgumentHelp("Compressor threads (default: all cores).", valueName: "N"))
    var jobs: Int?

    @Flag(name: .shortAndLong, help: "Replace OUTPUT if it exists.")
    var force = false

    @Flag(help: "Leave out the metadata Apptainer (/.singularity.d) and Charliecloud (/ch) read.")
    var noCompat = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON report on standard output.")
    var json = false

    @Option(help: ArgumentHelp("Write the image's manifest digest (sha256:...) to FILE, for scripts that pin it.", valueName: "FILE"))
    var digestFile: String?

    func buildOptions() throws -> BuildOptions {
        var o = BuildOptions(
            compression: try CompressionOptions(algorithm: compression, level: level, blockSize: try parseSize(blockSize)),
            platform: arch.map(Platform.init(parsing:)),
            workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
            replace: force,
            sourceDateEpoch: try sourceDateEpoch())
        o.compatMetadata = !noCompat
        return o
    }

    func finish(_ report: BuildReport) throws {
        if let digestFile {
            guard let d = report.provenance.manifestDigest else {
                throw ValidationError("--digest-file: this source has no manifest digest (a docker-archive)")
            }
            do { try (d + "\n").write(toFile: digestFile, atomically: true, encoding: .utf8) } catch {
                throw BuildError.output(digestFile, reason: error.localizedDescription)
            }
        }
        if json {
            print(String(decoding: try JSONEncoder.stable.encode(report), as: UTF8.self))
        }
    }

    private func sourceDateEpoch() throws -> Int64? {
        guard let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], !s.isEmpty else { return nil }
        guard let v = Int64(s), v >= 0 else { throw ValidationError("SOURCE_DATE_EPOCH=\(s): not a number of seconds") }
        return v
    }
}

extension CompressionOptions.Algorithm: ExpressibleByArgument {}

/// "131072", "128K", "1M", "200G".
func parseSize(_ s: String) throws -> Int {
    let units: [Character: Int] = ["K": 1024, "k": 1024, "M": 1 << 20, "m": 1 << 20, "G": 1 << 30, "g": 1 << 30]
    var digits = s
    var factor = 1
    if let last = s.last, let f = units[last] { factor = f; digits = String(s.dropLast()) }
    guard let n = Int(digits), n > 0, n <= Int.max / factor else { throw ValidationError("\(s): not a size (use bytes, or a number with K, M or G)") }
    return n * factor
}
