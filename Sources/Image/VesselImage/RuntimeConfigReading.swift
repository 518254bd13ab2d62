import Glibc
import VesselBasics

extension RuntimeConfig {
    /// What a container start needs of /.vessel/config.json, read with `PlainJSON`: the first
    /// JSONDecoder of a process costs 0.4-0.7 ms on the benchmark machine, a tenth of a start's
    /// own work, and Foundation's JSONSerialization would bring Foundation into the front. Reads
    /// exactly what the Codable conformance writes (RuntimeConfigTests compares the two).
    public init(json bytes: [UInt8]) throws {
        guard let object = (try? PlainJSON.parse(bytes))?.object else { throw ReadingError.notAnObject }
        func strings(_ key: String) throws -> [String]? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let list = value.strings else { throw ReadingError.wrongType(key) }
            return list
        }
        func string(_ key: String) throws -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.string else { throw ReadingError.wrongType(key) }
            return text
        }
        func required<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw ReadingError.missing(key) }
            return value
        }
        env = try required(strings("env"), "env")
        entrypoint = try strings("entrypoint")
        cmd = try strings("cmd")
        workingDir = try string("workingDir")
        user = try string("user")
        guard let members = object["labels"]?.object, !members.values.contains(where: { $0.string == nil }) else {
            throw object["labels"] == nil ? ReadingError.missing("labels") : ReadingError.wrongType("labels")
        }
        self.labels = members.compactMapValues(\.string)
        stopSignal = try string("stopSignal")
        platform = try required(string("platform"), "platform")
        volumes = try strings("volumes")
    }

    enum ReadingError: Error, CustomStringConvertible {
        case notAnObject, missing(String), wrongType(String)
        var description: String {
            switch self {
            case .notAnObject: return "not a JSON object"
            case .missing(let key): return "no \"\(key)\""
            case .wrongType(let key): return "\"\(key)\" has the wrong type"
            }
        }
    }
}
