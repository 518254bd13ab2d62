import CSquashFS
import Foundation

/// Every entry of a SquashFS image with its metadata, and its file data on demand: what
/// `vessel diff` compares.
public final class SquashFSListing {
    public struct Entry: Equatable, Sendable {
        /// d f l c b p s
        public let kind: Character
        public let mode: UInt16
        public let uid: UInt32
        public let gid: UInt32
        public let size: UInt64
        public let target: String?
    }

    public let path: String
    public private(set) var entries: [String: Entry] = [:]
    private var inodes: [String: UnsafeMutablePointer<sqfs_inode_generic_t>] = [:]
    private let file: UnsafeMutablePointer<sqfs_file_t>
    private let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    private let data: OpaquePointer
    private var tree: UnsafeMutablePointer<sqfs_tree_node_t>?
    private var others: [UnsafeMutableRawPointer] = []

    public init(path: String) throws {
        self.path = path
        guard let f = sqfs_open_file(path, UInt32(SQFS_FILE_OPEN_READ_ONLY.rawValue)) else {
            throw SquashFSError.notSquashFS(path: path, reason: "cannot open it")
        }
        file = f
        var sb = sqfs_super_t()
        guard sqfs_super_read(&sb, f) == 0 else { vessel_destroy(f); throw SquashFSError.notSquashFS(path: path, reason: "no SquashFS 4.0 super block") }
        var cfg = sqfs_compressor_config_t()
        sqfs_compressor_config_init(&cfg, SQFS_COMPRESSOR(UInt32(sb.compression_id)), Int(sb.block_size), UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue))
        var cmp: UnsafeMutablePointer<sqfs_compressor_t>?
        guard sqfs_compressor_create(&cfg, &cmp) == 0, let cmp else {
            vessel_destroy(f)
            throw SquashFSError.notSquashFS(path: path, reason: "unsupported compressor")
        }
        compressor = cmp
        guard let ids = sqfs_id_table_create(0), let dirs = sqfs_dir_reader_create(&sb, cmp, f, 0),
              let d = sqfs_data_reader_create(f, Int(sb.block_size), cmp, 0) else {
            throw SquashFSError.library(path: path, doing: "reading", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        data = d
        others = [UnsafeMutableRawPointer(dirs), UnsafeMutableRawPointer(ids)]
        try check(sqfs_id_table_read(ids, f, &sb, cmp), path, "reading the id table")
        try check(sqfs_data_reader_load_fragment_table(d, &sb), path, "reading the fragment table")
        try check(sqfs_dir_reader_get_full_hierarchy(dirs, ids, nil, 0, &tree), path, "reading the directory tree")
        // Iterative: a deep image must not exhaust the stack.
        var stack: [(UnsafeMutablePointer<sqfs_tree_node_t>, String)] = [(tree!, "")]
        while let (node, p) = stack.popLast() {
            record(node, at: p)
            var child = node.pointee.children
            while let c = child {
                stack.append((c, p + "/" + String(cString: vessel_tree_node_name(c))))
                child = c.pointee.next
            }
        }
    }

    deinit {
        sqfs_dir_tree_destroy(tree)
        vessel_destroy(UnsafeMutableRawPointer(data))
        for o in others { vessel_destroy(o) }
        vessel_destroy(compressor)
        vessel_destroy(file)
    }

    private func record(_ node: UnsafeMutablePointer<sqfs_tree_node_t>, at p: String) {
        let inode = node.pointee.inode!
        let mode = inode.pointee.base.mode
        var size: UInt64 = 0
        var target: String?
        let kind: Character
        switch mode_t(mode) & S_IFMT {
        case S_IFDIR: kind = "d"
        case S_IFREG:
            kind = "f"
            sqfs_inode_get_file_size(inode, &size)
            inodes[p.isEmpty ? "/" : p] = inode
        case S_IFLNK:
            kind = "l"
            let length = inode.pointee.base.type == UInt16(SQFS_INODE_SLINK.rawValue)
                ? inode.pointee.data.slink.target_size : inode.pointee.data.slink_ext.target_size
            target = String(decoding: UnsafeRawBufferPointer(start: vessel_inode_symlink_target(inode), count: Int(length)), as: UTF8.self)
            size = UInt64(length)
        case S_IFCHR: kind = "c"
        case S_IFBLK: kind = "b"
        case S_IFIFO: kind = "p"
        default: kind = "s"
        }
        entries[p.isEmpty ? "/" : p] = Entry(kind: kind, mode: mode & 0o7777, uid: node.pointee.uid, gid: node.pointee.gid, size: size, target: target)
    }

    /// Whether a regular file here has the same bytes as one in `other`.
    public func sameContent(_ p: String, as other: SquashFSListing, _ q: String) throws -> Bool {
        guard let a = inodes[p], let b = other.inodes[q], entries[p]?.size == other.entries[q]?.size else { return false }
        let size = entries[p]!.size
        let chunk = 1 << 20
        let x = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        let y = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { x.deallocate(); y.deallocate() }
        var offset: UInt64 = 0
        while offset < size {
            let want = UInt32(min(UInt64(chunk), size - offset))
            let n = sqfs_data_reader_read(data, a, offset, x.baseAddress, want)
            let m = sqfs_data_reader_read(other.data, b, offset, y.baseAddress, want)
            try check(n, path, "reading \(p)")
            try check(m, other.path, "reading \(q)")
            if n != m || n == 0 || memcmp(x.baseAddress!, y.baseAddress!, Int(n)) != 0 { return n == 0 && m == 0 }
            offset += UInt64(n)
        }
        return true
    }
}
