import Crypto
import Foundation

/// A content address, `sha256:<64 hex digits>`. Only SHA-256 is accepted: it is what every
/// registry and tool in use writes.
public struct Digest: Hashable, Sendable, CustomStringConvertible, Codable {
    public let hex: String

    public init(hex: String) { self.hex = hex }

    public init(parsing s: String, what: String = "digest") throws {
        guard s.hasPrefix("sha256:") else {
            throw ImageError.unsupportedMediaType(String(s.prefix(while: { $0 != ":" })), for: "\(what) \(s)")
        }
        let hex = String(s.dropFirst(7))
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw ImageError.invalidLayout(s, reason: "malformed sha256 digest")
        }
        self.hex = hex
    }

    public var description: String { "sha256:" + hex }
    public var short: String { String(hex.prefix(12)) }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: s)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func of(_ bytes: [UInt8]) -> Digest {
        var h = StreamingSHA256()
        bytes.withUnsafeBytes { h.update($0) }
        return h.finish()
    }
}

/// Incremental SHA-256 for blobs that stream.
public struct StreamingSHA256 {
    private var hasher = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    public func finish() -> Digest {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        for byte in hasher.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xf)])
        }
        return Digest(hex: String(decoding: hex, as: UTF8.self))
    }
}


extension Digest {
    /// The digest and size of `length` bytes of a file from `offset` (nil: to its end), read in
    /// 4 MiB pieces; `progress` is told how many bytes each piece held.
    public static func of(file path: String, offset: Int64 = 0, length: Int64? = nil,
                          progress: (Int) -> Void = { _ in }) throws -> (digest: Digest, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.sourceNotFound(path) }
        defer { close(fd) }
        var h = StreamingSHA256()
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var position = offset, total: Int64 = 0
        while length.map({ total < $0 }) ?? true {
            let want = min(buffer.count, Int(length.map { $0 - total } ?? Int64(buffer.count)))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position)) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw ImageError.invalidLayout(path, reason: "reading failed: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            buffer.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            position += Int64(n)
            total += Int64(n)
            progress(n)
        }
        return (h.finish(), total)
    }
}
