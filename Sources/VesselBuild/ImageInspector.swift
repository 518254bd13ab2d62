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
        func load<T: Decodable>(_ name: String, _ type: T.Type) throws -> T? {
            guard let bytes = try reader.readFile("/\(MetadataPaths.directory)/\(name)") else { return nil }
            do {
                return try JSONDecoder().decode(T.self, from: Data(bytes))
            } catch {
                throw BuildError.output(path, reason: "/\(MetadataPaths.directory)/\(name) is unreadable: \(error)")
            }
        }
        config = try load(MetadataPaths.config, RuntimeConfig.self)
        provenance = try load(MetadataPaths.provenance, Provenance.self)
    }
}
