import Foundation

/// Parks the data of hidden files of the layer being merged, in case a later hard link of the
/// same layer names one (a link to a file that a layer above deletes). The file is unlinked as
/// soon as it is made, so nothing is left behind whatever happens to the process.
final class SpillFile {
    struct Range { let offset: Int64; let length: Int64 }

    private let directory: String
    private var fd: Int32 = -1
    private var end: Int64 = 0

    init(directory: String) { self.directory = directory }
    deinit { if fd >= 0 { close(fd) } }

    func store(_ reader: LayerReader) throws -> Range {
        try openIfNeeded()
        let start = end
        try reader.readData { bytes in
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(end))
                if n < 0 { throw ImageError.io("temporary file in \(directory)", reason: errnoString()) }
                done += n
                end += Int64(n)
            }
        }
        return Range(offset: start, length: end - start)
    }

    func copy(_ range: Range, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buf.deallocate() }
        var done: Int64 = 0
        while done < range.length {
            let want = Int(min(Int64(buf.count), range.length - done))
            let n = pread(fd, buf.baseAddress!, want, off_t(range.offset + done))
            if n <= 0 { throw ImageError.io("temporary file in \(directory)", reason: n < 0 ? errnoString() : "short read") }
            try body(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            done += Int64(n)
        }
    }

    func reset() throws {
        guard fd >= 0, end > 0 else { return }
        ftruncate(fd, 0)
        end = 0
    }

    private func openIfNeeded() throws {
        guard fd < 0 else { return }
        var template = Array((directory + "/.vessel-spill-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ImageError.io("temporary file in \(directory)", reason: errnoString()) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }
}
