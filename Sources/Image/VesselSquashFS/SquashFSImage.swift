import CSquashFS
import Glibc

/// A SquashFS image opened for reading with libsquashfs: the one place that opens one (where
/// its SquashFS lies, see ImageRegion), reads the super block and sets up the decompressor,
/// the id table and the directory and data readers. SquashFSReader, SquashFSListing,
/// SquashFSExtractor and SquashFSTreeReader are views of it.
public final class SquashFSImage {
    public let path: String
    public let region: ImageRegion
    var superblock = sqfs_super_t()
    let file: UnsafeMutablePointer<sqfs_file_t>
    let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    let ids: OpaquePointer
    let dirReader: OpaquePointer
    let dataReader: OpaquePointer

    /// `path` may be a /proc/self/fd/N path: the descriptor's file is what is read.
    public init(path: String, display: String? = nil) throws {
        let name = display ?? path
        self.path = name
        guard access(path, F_OK) == 0 else {
            throw SquashFSError.library(path: name, doing: "opening", code: SQFS_ERROR_IO.rawValue, errno: ENOENT)
        }
        region = try ImageRegion.of(path: path, name: name)
        guard let f = vessel_open_region(path, UInt64(region.offset), UInt64(region.length ?? 0)) else {
            throw SquashFSError.library(path: name, doing: "opening", code: SQFS_ERROR_IO.rawValue, errno: errno)
        }
        let rc = sqfs_super_read(&superblock, f)
        if rc != 0 {
            vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: name, reason: rc == SQFS_ERROR_IO.rawValue ? "too short" : "no SquashFS 4.0 super block")
        }
        do { try Self.checkTables(superblock, name) } catch { vessel_destroy(f); throw error }
        vessel_region_limit(f, superblock.bytes_used)
        var cfg = sqfs_compressor_config_t()
        sqfs_compressor_config_init(&cfg, SQFS_COMPRESSOR(UInt32(superblock.compression_id)), Int(superblock.block_size),
                                    UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue))
        var cmp: UnsafeMutablePointer<sqfs_compressor_t>?
        guard sqfs_compressor_create(&cfg, &cmp) == 0, let cmp else {
            vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: name, reason: "unsupported compressor \(superblock.compression_id)")
        }
        guard let ids = sqfs_id_table_create(0) else {
            vessel_destroy(cmp); vessel_destroy(f)
            throw SquashFSError.library(path: name, doing: "reading", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        guard let dr = sqfs_dir_reader_create(&superblock, cmp, f, 0),
              let data = sqfs_data_reader_create(f, Int(superblock.block_size), cmp, 0) else {
            vessel_destroy(UnsafeMutableRawPointer(ids)); vessel_destroy(cmp); vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: name, reason: "unreadable directory table")
        }
        (file, compressor, self.ids, dirReader, dataReader) = (f, cmp, ids, dr, data)
        try check(sqfs_id_table_read(ids, f, &superblock, cmp), name, "reading the id table")
        if sqfs_data_reader_load_fragment_table(data, &superblock) != 0 {
            throw SquashFSError.notSquashFS(path: name, reason: "unreadable fragment table")
        }
    }

    /// The super block alone, where the file's SquashFS lies (libsquashfs checks the magic): the
    /// one check of "is this an image", for callers that need no more than its size and kind.
    public static func superBlock(path: String) throws -> (region: ImageRegion, summary: SquashFSReader.Summary) {
        let region = try ImageRegion.of(path: path)
        guard let f = vessel_open_region(path, UInt64(region.offset), UInt64(region.length ?? 0)) else {
            throw SquashFSError.library(path: path, doing: "opening", code: SQFS_ERROR_IO.rawValue, errno: errno)
        }
        defer { vessel_destroy(f) }
        var sb = sqfs_super_t()
        guard sqfs_super_read(&sb, f) == 0 else { throw SquashFSError.notSquashFS(path: path, reason: "no SquashFS 4.0 super block") }
        try checkTables(sb, path)
        return (region, SquashFSReader.Summary(sb))
    }

    /// An image is its first `bytes_used` bytes: that is what a signature covers, and all that
    /// is read (the region ends there, and so does what the FUSE server reads, vessel_fuse.c).
    /// A table said to start past it would be read from bytes no signature covers: refused.
    static func checkTables(_ sb: sqfs_super_t, _ name: String) throws {
        let absent = UInt64.max
        let tables: [(String, UInt64)] = [
            ("inode", sb.inode_table_start), ("directory", sb.directory_table_start), ("id", sb.id_table_start),
            ("fragment", sb.fragment_entry_count == 0 ? absent : sb.fragment_table_start),
            ("export", sb.export_table_start), ("xattr", sb.xattr_id_table_start),
        ]
        let header = UInt64(MemoryLayout<sqfs_super_t>.size)
        guard sb.bytes_used >= header else {
            throw SquashFSError.notSquashFS(path: name, reason: "its super block says it ends at byte \(sb.bytes_used)")
        }
        for (table, start) in tables where start != absent && (start < header || start >= sb.bytes_used) {
            throw SquashFSError.notSquashFS(path: name, reason: "its \(table) table starts at byte \(start), outside the \(sb.bytes_used) bytes its super block says it has")
        }
    }

    deinit {
        vessel_destroy(UnsafeMutableRawPointer(dataReader))
        vessel_destroy(UnsafeMutableRawPointer(dirReader))
        vessel_destroy(UnsafeMutableRawPointer(ids))
        vessel_destroy(compressor)
        vessel_destroy(file)
    }

    /// The whole directory tree (free it with sqfs_dir_tree_destroy).
    func hierarchy(flags: UInt32 = 0) throws -> UnsafeMutablePointer<sqfs_tree_node_t> {
        var tree: UnsafeMutablePointer<sqfs_tree_node_t>?
        try check(sqfs_dir_reader_get_full_hierarchy(dirReader, ids, nil, flags, &tree), path, "reading the directory tree")
        return tree!
    }

    /// Calls `body` with successive chunks of a regular file's data.
    func readData(_ inode: UnsafePointer<sqfs_inode_generic_t>, what: String,
                  _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var size: UInt64 = 0
        sqfs_inode_get_file_size(inode, &size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < size {
            let want = UInt32(min(UInt64(buffer.count), size - offset))
            let n = sqfs_data_reader_read(dataReader, inode, offset, buffer.baseAddress, want)
            try check(n, path, "reading \(what)")
            if n == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]))
            offset += UInt64(n)
        }
    }

    /// A symbolic link's target (not NUL-terminated in the inode: its length is there).
    static func symlinkTarget(_ inode: UnsafePointer<sqfs_inode_generic_t>) -> [UInt8] {
        let length = inode.pointee.base.type == UInt16(SQFS_INODE_SLINK.rawValue)
            ? inode.pointee.data.slink.target_size : inode.pointee.data.slink_ext.target_size
        return Array(UnsafeRawBufferPointer(start: vessel_inode_symlink_target(inode), count: Int(length)))
    }
}
