import Foundation

/// Finds the members of an uncompressed tar (an oci-archive or a docker-archive) without
/// extracting it, so that blobs are read where they lie. Understands ustar, pax and GNU long names.
struct TarIndex {
    let path: String
    private(set) var members: [String: FileRegion] = [:]

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.io(path, reason: errnoString()) }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let fileSize = Int64(st.st_size)
        var header = [UInt8](repeating: 0, count: 512)
        var offset: Int64 = 0
        var longName: String? = nil
        var paxPath: String? = nil
        var paxSize: Int64? = nil
        while offset + 512 <= fileSize {
            let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 512, off_t(offset)) }
            guard n == 512 else { throw ImageError.invalidLayout(path, reason: "truncated tar header") }
            if header.allSatisfy({ $0 == 0 }) { break }
            guard Self.checksumOK(header) else {
                throw ImageError.invalidLayout(path, reason: "not a tar archive (bad header checksum at byte \(offset))")
            }
            let type = header[156]
            var size = paxSize ?? Self.number(header[124..<136])
            let dataOffset = offset + 512
            guard dataOffset + size <= fileSize else {
                throw ImageError.invalidLayout(path, reason: "truncated archive")
            }
            switch type {
            case UInt8(ascii: "x"):
                let data = try FileRegion(path: path, offset: dataOffset, length: size).readAll()
                (paxPath, paxSize) = Self.parsePax(data)
            case UInt8(ascii: "L"):
                let data = try FileRegion(path: path, offset: dataOffset, length: size).readAll()
                longName = String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
            case UInt8(ascii: "g"):
                break
            default:
                let name = paxPath ?? longName ?? Self.ustarName(header)
                if type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7") {
                    members[Self.clean(name)] = FileRegion(path: path, offset: dataOffset, length: size)
                } else if type == UInt8(ascii: "1") || type == UInt8(ascii: "2") {
                    size = 0
                }
                longName = nil; paxPath = nil; paxSize = nil
            }
            offset = dataOffset + (size + 511) / 512 * 512
        }
    }

    func member(_ name: String) -> FileRegion? { members[Self.clean(name)] }

    static func clean(_ name: String) -> String {
        var s = Substring(name)
        while s.hasPrefix("./") { s = s.dropFirst(2) }
        while s.hasPrefix("/") { s = s.dropFirst() }
        return String(s)
    }

    private static func checksumOK(_ h: [UInt8]) -> Bool {
        let stored = number(h[148..<156])
        var sum: Int64 = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(b) }
        return stored == sum
    }

    /// Octal, or base-256 when the high bit of the first byte is set (GNU, for large sizes).
    private static func number(_ field: ArraySlice<UInt8>) -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            return field.dropFirst().reduce(Int64(first & 0x7f)) { $0 << 8 | Int64($1) }
        }
        var v: Int64 = 0
        for b in field where b >= UInt8(ascii: "0") && b <= UInt8(ascii: "7") { v = v * 8 + Int64(b - 48) }
        return v
    }

    private static func ustarName(_ h: [UInt8]) -> String {
        func str(_ r: Range<Int>) -> String { String(decoding: h[r].prefix(while: { $0 != 0 }), as: UTF8.self) }
        let name = str(0..<100)
        let isUstar = h[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? str(345..<500) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func parsePax(_ data: [UInt8]) -> (String?, Int64?) {
        var path: String? = nil, size: Int64? = nil
        var i = 0
        while i < data.count {
            guard let sp = data[i...].firstIndex(of: UInt8(ascii: " ")),
                  let len = Int(String(decoding: data[i..<sp], as: UTF8.self)), len > 0, i + len <= data.count else { break }
            let record = data[(sp + 1)..<(i + len - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
                let value = String(decoding: record[(eq + 1)...], as: UTF8.self)
                if key == "path" { path = value }
                if key == "size" { size = Int64(value) }
            }
            i += len
        }
        return (path, size)
    }
}
