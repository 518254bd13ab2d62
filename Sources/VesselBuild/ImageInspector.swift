import Foundation
import VesselSquashFS

/// What `vessel inspect` shows: the SquashFS super block and, for a Vessel image, its
/// run-time configuration and provenance.
public struct Inspection: Codable, Sendable {
    public let path: String
    public let squashfs: SquashFSReader.Summary
    public let config: RuntimeConfig?
    public let provenance: Provenance?

    public var isVesselImage: Bool { config != nil }

    public init(path: String) throws {
        let reader = try SquashFSReader(path: path)
        self.path = path
        squashfs = reader.summary
        config = try Self.load(MetadataPaths.config, RuntimeConfig.self, from: reader, image: path)
        provenance = try Self.load(MetadataPaths.provenance, Provenance.self, from: reader, image: path)
    }

    /// The run-time configuration alone (nil for other tools' images): all a container start
    /// needs, without decoding the provenance.
    public static func runtimeConfig(of reader: SquashFSReader, image: String) throws -> RuntimeConfig? {
        try reader.readFile(runtimeConfigPath).map { try runtimeConfig(json: $0, image: image) }
    }

    /// Where the run-time configuration lies in an image.
    public static let runtimeConfigPath = "/\(MetadataPaths.directory)/\(MetadataPaths.config)"

    /// The run-time configuration from the bytes of `runtimeConfigPath`, however they were read.
    public static func runtimeConfig(json: [UInt8], image: String) throws -> RuntimeConfig {
        do {
            return try RuntimeConfig(json: json)
        } catch {
            throw BuildError.output(image, reason: "\(runtimeConfigPath) is unreadable: \(error)")
        }
    }

    private static func load<T: Decodable>(_ name: String, _ type: T.Type, from reader: SquashFSReader, image: String) throws -> T? {
        guard let bytes = try reader.readFile("/\(MetadataPaths.directory)/\(name)") else { return nil }
        return try decode(T.self, bytes, name: name, image: image)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], name: String, image: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw BuildError.output(image, reason: "/\(MetadataPaths.directory)/\(name) is unreadable: \(error)")
        }
    }
}
