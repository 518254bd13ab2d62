import CSquashFS
import Foundation

/// Reads a SquashFS image made by any tool: its super block, and small files by path (the
/// metadata Vessel keeps under /.vessel/).
public final class SquashFSReader {
    public struct Summary: Codable, Sendable {
        public let compression: String
        public let blockSize: UInt32
        public let inodes: UInt32
        public let bytesUsed: UInt64
        public let created: UInt32
    }

    private let path: String
    private let file: UnsafeMutablePointer<sqfs_file_t>
    private var superblock = sqfs_super_t()
    private let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    private let dirReader: OpaquePointer
    private let dataReader: OpaquePointer

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw SquashFSError.library(path: path, doing: "opening", code: SQFS_ERROR_IO.rawValue, errno: ENOENT)
        }
        guard let f = sqfs_open_file(path, UInt32(SQFS_FILE_OPEN_READ_ONLY.rawValue)) else {
            throw SquashFSError.library(path: path, doing: "opening", code: SQFS_ERROR_IO.rawValue, errno: errno)
        }
        file = f
        let rc = sqfs_super_read(&superblock, f)
        if rc != 0 {
            vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: path, reason: rc == SQFS_ERROR_IO.rawValue ? "too short" : "no SquashFS 4.0 super block")
        }
        var cfg = sqfs_compressor_config_t()
        sqfs_compressor_config_init(&cfg, SQFS_COMPRESSOR(UInt32(superblock.compression_id)), Int(superblock.block_size),
                                    UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue))
        var cmp: UnsafeMutablePointer<sqfs_compressor_t>?
        guard sqfs_compressor_create(&cfg, &cmp) == 0, let cmp else {
            vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: path, reason: "unsupported compressor \(superblock.compression_id)")
        }
        compressor = cmp
        guard let dr = sqfs_dir_reader_create(&superblock, cmp, f, 0),
              let data = sqfs_data_reader_create(f, Int(superblock.block_size), cmp, 0) else {
            vessel_destroy(cmp); vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: path, reason: "unreadable directory table")
        }
        dirReader = dr
        dataReader = data
        if sqfs_data_reader_load_fragment_table(data, &superblock) != 0 {
            throw SquashFSError.notSquashFS(path: path, reason: "unreadable fragment table")
        }
    }

    deinit {
        vessel_destroy(UnsafeMutableRawPointer(dataReader))
        vessel_destroy(UnsafeMutableRawPointer(dirReader))
        vessel_destroy(compressor)
        vessel_destroy(file)
    }

    public var summary: Summary {
        Summary(compression: String(cString: sqfs_compressor_name_from_id(SQFS_COMPRESSOR(UInt32(superblock.compression_id)))),
                blockSize: superblock.block_size, inodes: superblock.inode_count,
                bytesUsed: superblock.bytes_used, created: superblock.modification_time)
    }

    /// The contents of a regular file, or nil when the image has no such file.
    public func readFile(_ inside: String, limit: Int = 64 << 20) throws -> [UInt8]? {
        var root: UnsafeMutablePointer<sqfs_inode_generic_t>?
        try check(sqfs_dir_reader_get_root_inode(dirReader, &root), path, "reading the root directory")
        defer { free(root) }
        var inode: UnsafeMutablePointer<sqfs_inode_generic_t>?
        let rc = sqfs_dir_reader_find_by_path(dirReader, root, inside, &inode)
        if rc == SQFS_ERROR_NO_ENTRY.rawValue || rc == SQFS_ERROR_NOT_DIR.rawValue { return nil }
        try check(rc, path, "looking up \(inside)")
        defer { free(inode) }
        var size: UInt64 = 0
        guard sqfs_inode_get_file_size(inode, &size) == 0 else { return nil }
        guard size <= UInt64(limit) else { throw SquashFSError.unsupportedOption("\(path): \(inside) is too large to read") }
        var out = [UInt8](repeating: 0, count: Int(size))
        if size > 0 {
            let n = out.withUnsafeMutableBytes { sqfs_data_reader_read(dataReader, inode, 0, $0.baseAddress, UInt32(size)) }
            try check(n, path, "reading \(inside)")
        }
        return out
    }
}
