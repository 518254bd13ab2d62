import Foundation
import VesselOCI
import VesselSign
import VesselSquashFS
import VesselTree

/// What the fuzzers feed untrusted bytes to: the parsers of what a registry or a layout serves
/// (index, manifest, config), the layer reader with the merger (tar headers, PAX records,
/// whiteouts, hard links, paths), and what Vessel reads of an image file before its SquashFS
/// (a SIF file's header and descriptors, the signature block after a SquashFS). Each target
/// takes any bytes and must end in a result or a thrown error: never a crash, a hang or memory
/// without bound. `vessel-fuzz` runs them under
/// libFuzzer (`scripts/bench fuzz`); VesselFuzzingTests replays the kept corpus.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case manifest
    case layer
    case imagefile

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .manifest: Self.manifest(bytes)
        case .layer: Self.layer(bytes)
        case .imagefile: Self.imageFile(bytes)
        }
    }

    /// An index or a manifest, then a config against it, as a registry's replies are read.
    static func manifest(_ bytes: [UInt8]) {
        guard let (kind, _) = try? ManifestSelection.kind(of: bytes, declared: nil, what: "fuzz") else { return }
        switch kind {
        case .index(let entries):
            _ = try? ManifestSelection.choose(entries, platform: nil)
            _ = try? ManifestSelection.choose(entries, platform: Platform(parsing: "linux/arm64/v8"))
        case .manifest:
            guard let m = try? ManifestSelection.decodeManifest(bytes, what: "fuzz") else { return }
            // The same bytes as the config: every field the config decoder reads is exercised.
            _ = try? ManifestSelection.assemble(reference: .ociLayout(path: "fuzz", selector: nil), manifestDigest: nil, manifest: m,
                                                configBytes: bytes, statedPlatform: nil, place: "fuzz") { d in
                FileRegion(path: "/dev/null", offset: 0, length: d.size)
            }
        }
    }

    /// A layer's bytes (tar, or gzip or zstd around it) read and merged, twice over itself, as
    /// two layers of one image.
    static func layer(_ bytes: [UInt8]) {
        guard let file = InputFile(bytes) else { return }
        let sink = DiscardingSink()
        let merger = LayerMerger(sink: sink, spillDirectory: InputFile.directory, implicitDirectory: Metadata(permissions: 0o755))
        for index in [1, 0] {  // top layer first
            let blob = LayerBlob(region: FileRegion(path: file.path, offset: 0, length: Int64(bytes.count)),
                                 mediaType: "application/vnd.oci.image.layer.v1.tar", digest: nil, diffID: nil, label: "fuzz\(index)")
            guard let reader = try? LayerReader(blob: blob, progress: { _ in }) else { return }
            do { try merger.apply(reader, index: index, label: "fuzz\(index)") } catch { return }
        }
        if let tree = try? merger.finish() { _ = tree.statistics() }
    }

    /// An image file as `exec` and `verify` first read it: where its SquashFS lies (a SIF
    /// file's partition, refused with a reason when it cannot be served), the SIF signatures
    /// it lists, and Vessel's own signature block with the records in it.
    static func imageFile(_ bytes: [UInt8]) {
        guard let file = InputFile(bytes) else { return }
        if SIFFile.isSIF(fd: file.fd), let sif = try? SIFFile(fd: file.fd, name: "fuzz") {
            _ = try? sif.primaryPartition(name: "fuzz")
            _ = sif.signatures
        }
        _ = try? ImageRegion.of(fd: file.fd, name: "fuzz")
        _ = try? ImageSigner.verify(file.path, trusted: [])
    }
}

/// The input as a file (the readers read regions of files): nameless, gone when closed.
final class InputFile {
    let fd: Int32
    var path: String { "/proc/self/fd/\(fd)" }
    /// Where inputs and the merger's spill files go (both nameless or unlinked at once).
    static let directory = String(NSTemporaryDirectory().dropLast(NSTemporaryDirectory().hasSuffix("/") ? 1 : 0))

    init?(_ bytes: [UInt8]) {
        var template = Array((Self.directory + "/input-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { close(fd); return nil }
    }

    deinit { close(fd) }
}

/// File data goes nowhere: only the tree is being tested.
final class DiscardingSink: ContentSink {
    private var count = 0
    private var size: UInt64 = 0
    func beginFile() throws { size = 0 }
    func append(_ bytes: UnsafeRawBufferPointer) throws { size += UInt64(bytes.count) }
    func endFile() throws -> ContentRef {
        count += 1
        return ContentRef(index: count - 1, size: size)
    }
}
