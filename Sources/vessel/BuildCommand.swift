import ArgumentParser
import Foundation
import VesselBuild
import VesselOCI
import VesselSquashFS

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an OCI or Docker image into one SquashFS file.",
        discussion: """
        SOURCE is one of:
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
          vessel build --arch arm64 app.sqsh oci-archive:app.tar
          vessel build --compression xz big.sqsh docker-archive:big.tar
        """
    )

    @Argument(help: ArgumentHelp("The SquashFS file to write.", valueName: "OUTPUT.sqsh"))
    var output: String

    @Argument(help: ArgumentHelp("The image to convert (see below).", valueName: "SOURCE"))
    var source: String

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

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON report of the build on standard output.")
    var json = false

    func run() throws {
        do {
            let blockBytes = try parseSize(blockSize)
            let options = BuildOptions(
                compression: try CompressionOptions(algorithm: compression, level: level, blockSize: blockBytes),
                platform: arch.map(Platform.init(parsing:)),
                workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                replace: force,
                sourceDateEpoch: try sourceDateEpoch())
            var converter = Converter()
            if quiet { converter.log = { _ in } }
            let report = try converter.build(source: try SourceReference.parse(source), output: output, options: options,
                                             progressStyle: Progress.defaultStyle(quiet: quiet))
            if json {
                print(String(decoding: try JSONEncoder.stable.encode(report), as: UTF8.self))
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail("build", error)
        }
    }

    private func sourceDateEpoch() throws -> Int64? {
        guard let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], !s.isEmpty else { return nil }
        guard let v = Int64(s), v >= 0 else { throw ValidationError("SOURCE_DATE_EPOCH=\(s): not a number of seconds") }
        return v
    }
}

extension CompressionOptions.Algorithm: ExpressibleByArgument {}

/// "131072", "128K", "1M".
func parseSize(_ s: String) throws -> Int {
    let units: [Character: Int] = ["K": 1024, "k": 1024, "M": 1 << 20, "m": 1 << 20]
    var digits = s
    var factor = 1
    if let last = s.last, let f = units[last] { factor = f; digits = String(s.dropLast()) }
    guard let n = Int(digits), n > 0 else { throw ValidationError("\(s): not a size (use bytes, or a number with K or M)") }
    return n * factor
}
