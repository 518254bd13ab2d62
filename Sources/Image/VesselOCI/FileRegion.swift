import Foundation

/// A byte range of a file: a blob in a layout directory, or a member inside an archive.
/// Blobs are read in place, never copied out of an archive first.
public struct FileRegion: Sendable {
    public let path: String
    public let offset: Int64
    public let length: Int64

    public init(path: String, offset: Int64, length: Int64) {
        self.path = path
        self.offset = offset
        self.length = length
    }

    /// Reads the whole region; for small JSON blobs.
    public func readAll() throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.io(path, reason: errnoString()) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: Int(length))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress! + done, buf.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 { throw ImageError.io(path, reason: errnoString()) }
            if n == 0 { throw ImageError.sizeMismatch(path, expected: length, actual: Int64(done)) }
            done += n
        }
        return out
    }
}
