import Foundation

extension RuntimeConfig {
    /// What a container start needs of /.vessel/config.json, read with JSONSerialization: the
    /// first JSONDecoder of a process costs 0.4-0.7 ms on the benchmark machine, a tenth of a
    /// start's own work. Reads exactly what the Codable conformance writes (RuntimeConfigTests
    /// compares the two).
    public init(json bytes: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ReadingError.notAnObject
        }
        func strings(_ key: String) throws -> [String]? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let list = value as? [String] else { throw ReadingError.wrongType(key) }
            return list
        }
        func string(_ key: String) throws -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw ReadingError.wrongType(key) }
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
        guard let labels = object["labels"] as? [String: String] else {
            throw object["labels"] == nil ? ReadingError.missing("labels") : ReadingError.wrongType("labels")
        }
        self.labels = labels
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
