import Glibc
import VesselBasics
import VesselSquashFS

/// What `vessel inspect` shows: the SquashFS super block and, for a Vessel image, its
/// run-time configuration and provenance.
public struct Inspection: Codable, Sendable {
    public let path: String
    public let squashfs: SquashFSReader.Summary
    public let config: RuntimeConfig?
    public let provenance: Provenance?
    /// For an Apptainer/Singularity .sif file: its data objects (its config is then what its
    /// /.singularity.d says).
    public let sif: SIFSummary?

    public var isVesselImage: Bool { provenance != nil }

    /// What a SIF file holds besides the partition Vessel serves.
    public struct SIFSummary: Codable, Sendable {
        public struct Object: Codable, Sendable {
            public var id: UInt32
            public var type: String
            public var offset: Int64
            public var size: Int64
            /// A signature's: its hash, the signing entity (a PGP fingerprint) and the object it signs.
            public var hash: String?
            public var entity: String?
            public var signs: UInt32?
        }
        public var arch: String
        public var partitionOffset: Int64
        public var objects: [Object]
        public var signatures: Int { objects.filter { $0.entity != nil }.count }
    }

    public init(path: String) throws {
        let reader = try SquashFSReader(path: path)
        self.path = path
        squashfs = reader.summary
        provenance = try Self.load(MetadataPaths.provenance, Provenance.self, from: reader, image: path)
        sif = reader.region.isSIF ? try Self.sifSummary(path, partitionOffset: reader.region.offset) : nil
        if let vessel = try Self.load(MetadataPaths.config, RuntimeConfig.self, from: reader, image: path) {
            config = vessel
        } else {
            config = try SingularityMetadata.runtimeConfig(platform: sif.map { "linux/\($0.arch)" } ?? "linux/" + PlainSystem.hostArchitecture,
                                                           read: { try reader.readFile($0) })?.config
        }
    }

    static func sifSummary(_ path: String, partitionOffset: Int64) throws -> SIFSummary {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageFileError(path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let file = try SIFFile(fd: fd, name: path)
        let names: [Int32: String] = [0x4001: "definition file", 0x4002: "environment", 0x4003: "labels", 0x4004: "partition",
                                      0x4005: "signature", 0x4006: "JSON", 0x4007: "generic", 0x4008: "crypto message",
                                      0x4009: "SBOM", 0x400a: "OCI root index", 0x400b: "OCI blob"]
        return SIFSummary(arch: file.arch, partitionOffset: partitionOffset, objects: file.descriptors.map { d in
            var type = names[d.dataType] ?? "type \(d.dataType)"
            if let p = d.partition {
                let fs = [1: "squashfs", 2: "ext3", 3: "archive", 4: "raw", 5: "encrypted squashfs"][p.fsType] ?? "fs \(p.fsType)"
                let role = [1: "system", 2: "primary system", 3: "data", 4: "overlay"][p.partType] ?? "type \(p.partType)"
                type += " (\(fs), \(role), \(p.arch))"
            }
            return .init(id: d.id, type: type, offset: d.offset, size: d.size, hash: d.signature?.hash, entity: d.signature?.entity,
                         signs: d.signature == nil ? nil : d.linkedID)
        })
    }

    /// The run-time configuration alone, read with `read` (a path inside the image to its
    /// bytes, nil when absent): all a container start needs, without decoding the provenance.
    /// A Vessel image's /.vessel/config.json, else what an Apptainer image's /.singularity.d
    /// says (a .sif file run in place), else nil (other tools' images).
    public static func runtimeConfig(image: String, read: (String) throws -> [UInt8]?) throws -> RuntimeConfig? {
        if let json = try read(runtimeConfigPath) { return try runtimeConfig(json: json, image: image) }
        return try SingularityMetadata.runtimeConfig(platform: "linux/" + PlainSystem.hostArchitecture, read: read)?.config
    }

    /// Where the run-time configuration lies in an image.
    public static let runtimeConfigPath = "/\(MetadataPaths.directory)/\(MetadataPaths.config)"

    /// The run-time configuration from the bytes of `runtimeConfigPath`, however they were read.
    public static func runtimeConfig(json: [UInt8], image: String) throws -> RuntimeConfig {
        do {
            return try RuntimeConfig(json: json)
        } catch {
            throw ImageFileError(image, reason: "\(runtimeConfigPath) is unreadable: \(error)")
        }
    }

    private static func load<T: Decodable>(_ name: String, _ type: T.Type, from reader: SquashFSReader, image: String) throws -> T? {
        guard let bytes = try reader.readFile("/\(MetadataPaths.directory)/\(name)") else { return nil }
        return try decode(T.self, bytes, name: name, image: image)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], name: String, image: String) throws -> T {
        do {
            return try PlainJSONDecoder().decode(T.self, from: bytes)
        } catch {
            throw ImageFileError(image, reason: "/\(MetadataPaths.directory)/\(name) is unreadable: \(error)")
        }
    }
}
