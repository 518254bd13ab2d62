/// `Decodable` values from `PlainJSON`, for the modules the static front links (VesselImage's
/// provenance): JSONDecoder would bring Foundation into the front. It reads what JSONEncoder
/// writes for plain types (strings, numbers, booleans, arrays, keyed structs, optionals; no
/// Date or Data strategies), and its errors name the coding path.
public struct PlainJSONDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try T(from: Node(value: try PlainJSON.parse(bytes), codingPath: []))
    }

    public struct Error: Swift.Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }

        init(_ codingPath: [CodingKey], _ reason: String) {
            path = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            self.reason = reason
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
    }

    struct Node: Decoder, SingleValueDecodingContainer {
        let value: PlainJSON
        let codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
            guard let members = value.object else { throw Error(codingPath, "expected an object") }
            return KeyedDecodingContainer(Keyed<K>(members: members, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> UnkeyedDecodingContainer {
            guard case .array(let items) = value else { throw Error(codingPath, "expected an array") }
            return Unkeyed(items: items, codingPath: codingPath)
        }

        func singleValueContainer() throws -> SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { value.isNull }

        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let b) = value else { throw Error(codingPath, "expected true or false") }
            return b
        }

        func decode(_ type: String.Type) throws -> String {
            guard let s = value.string else { throw Error(codingPath, "expected a string") }
            return s
        }

        func number<N: LosslessStringConvertible>(_ type: N.Type) throws -> N {
            guard case .number(let text) = value, let n = N(text) else { throw Error(codingPath, "expected a number of type \(N.self)") }
            return n
        }

        func decode(_ type: Double.Type) throws -> Double { try number(Double.self) }
        func decode(_ type: Float.Type) throws -> Float { try number(Float.self) }
        func decode(_ type: Int.Type) throws -> Int { try number(Int.self) }
        func decode(_ type: Int8.Type) throws -> Int8 { try number(Int8.self) }
        func decode(_ type: Int16.Type) throws -> Int16 { try number(Int16.self) }
        func decode(_ type: Int32.Type) throws -> Int32 { try number(Int32.self) }
        func decode(_ type: Int64.Type) throws -> Int64 { try number(Int64.self) }
        func decode(_ type: UInt.Type) throws -> UInt { try number(UInt.self) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try number(UInt8.self) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try number(UInt16.self) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try number(UInt32.self) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try number(UInt64.self) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
    }

    struct Keyed<K: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: PlainJSON]
        let codingPath: [CodingKey]
        var allKeys: [K] { members.keys.compactMap { K(stringValue: $0) } }

        func contains(_ key: K) -> Bool { members[key.stringValue] != nil }

        func node(_ key: K) throws -> Node {
            guard let value = members[key.stringValue] else { throw Error(codingPath + [key], "missing") }
            return Node(value: value, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: K) throws -> Bool { members[key.stringValue].map(\.isNull) ?? true }
        func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { try T(from: node(key)) }
        func decode(_ type: String.Type, forKey key: K) throws -> String { try node(key).decode(String.self) }
        func decode(_ type: Bool.Type, forKey key: K) throws -> Bool { try node(key).decode(Bool.self) }
        func decode(_ type: Int.Type, forKey key: K) throws -> Int { try node(key).decode(Int.self) }
        func decode(_ type: Int64.Type, forKey key: K) throws -> Int64 { try node(key).decode(Int64.self) }
        func decode(_ type: UInt32.Type, forKey key: K) throws -> UInt32 { try node(key).decode(UInt32.self) }
        func decode(_ type: Double.Type, forKey key: K) throws -> Double { try node(key).decode(Double.self) }

        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
            try node(key).container(keyedBy: N.self)
        }
        func nestedUnkeyedContainer(forKey key: K) throws -> UnkeyedDecodingContainer { try node(key).unkeyedContainer() }
        func superDecoder() throws -> Decoder { Node(value: .object(members), codingPath: codingPath) }
        func superDecoder(forKey key: K) throws -> Decoder { try node(key) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [PlainJSON]
        let codingPath: [CodingKey]
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        mutating func next() throws -> Node {
            let path = codingPath + [Key(intValue: currentIndex)]
            guard !isAtEnd else { throw Error(path, "past the end of the array") }
            defer { currentIndex += 1 }
            return Node(value: items[currentIndex], codingPath: path)
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex].isNull else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }
        mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
            try next().container(keyedBy: N.self)
        }
        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> Decoder { try next() }
    }
}
