import CSquashFS
import Glibc

/// Reads a SquashFS image made by any tool: its super block, and small files by path (the
/// metadata Vessel keeps under /.vessel/).
public final class SquashFSReader {
    public struct Summary: Codable, Sendable {
        public let compression: String
        public let blockSize: UInt32
        public let inodes: UInt32
        public let bytesUsed: UInt64
        public let created: UInt32

        init(_ sb: sqfs_super_t) {
            compression = String(cString: sqfs_compressor_name_from_id(SQFS_COMPRESSOR(UInt32(sb.compression_id))))
            blockSize = sb.block_size
            inodes = sb.inode_count
            bytesUsed = sb.bytes_used
            created = sb.modification_time
        }
    }

    private let image: SquashFSImage
    private var path: String { image.path }
    /// Where the SquashFS lies in the file (all of it, or a SIF file's partition).
    public var region: ImageRegion { image.region }

    public init(path: String, display: String? = nil) throws {
        image = try SquashFSImage(path: path, display: display)
    }

    public var summary: Summary { Summary(image.superblock) }

    /// The contents of a regular file, or nil when the image has no such file.
    public func readFile(_ inside: String, limit: Int = 64 << 20) throws -> [UInt8]? {
        var root: UnsafeMutablePointer<sqfs_inode_generic_t>?
        try check(sqfs_dir_reader_get_root_inode(image.dirReader, &root), path, "reading the root directory")
        defer { free(root) }
        var inode: UnsafeMutablePointer<sqfs_inode_generic_t>?
        let rc = sqfs_dir_reader_find_by_path(image.dirReader, root, inside, &inode)
        if rc == SQFS_ERROR_NO_ENTRY.rawValue || rc == SQFS_ERROR_NOT_DIR.rawValue { return nil }
        try check(rc, path, "looking up \(inside)")
        defer { free(inode) }
        var size: UInt64 = 0
        guard sqfs_inode_get_file_size(inode, &size) == 0 else { return nil }
        guard size <= UInt64(limit) else { throw SquashFSError.unsupportedOption("\(path): \(inside) is too large to read") }
        var out = [UInt8](repeating: 0, count: Int(size))
        if size > 0 {
            let n = out.withUnsafeMutableBytes { sqfs_data_reader_read(image.dataReader, inode, 0, $0.baseAddress, UInt32(size)) }
            try check(n, path, "reading \(inside)")
        }
        return out
    }
}
