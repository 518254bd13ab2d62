import CSquashFS
import Glibc

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
    private let image: SquashFSImage
    private let tree: UnsafeMutablePointer<sqfs_tree_node_t>

    public init(path: String) throws {
        self.path = path
        image = try SquashFSImage(path: path)
        tree = try image.hierarchy()
        // Iterative: a deep image must not exhaust the stack.
        var stack: [(UnsafeMutablePointer<sqfs_tree_node_t>, String)] = [(tree, "")]
        while let (node, p) = stack.popLast() {
            record(node, at: p)
            var child = node.pointee.children
            while let c = child {
                stack.append((c, p + "/" + String(cString: vessel_tree_node_name(c))))
                child = c.pointee.next
            }
        }
    }

    deinit { sqfs_dir_tree_destroy(tree) }

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
            let bytes = SquashFSImage.symlinkTarget(inode)
            target = String(decoding: bytes, as: UTF8.self)
            size = UInt64(bytes.count)
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
            let n = sqfs_data_reader_read(image.dataReader, a, offset, x.baseAddress, want)
            let m = sqfs_data_reader_read(other.image.dataReader, b, offset, y.baseAddress, want)
            try check(n, path, "reading \(p)")
            try check(m, other.path, "reading \(q)")
            if n != m || n == 0 || memcmp(x.baseAddress!, y.baseAddress!, Int(n)) != 0 { return n == 0 && m == 0 }
            offset += UInt64(n)
        }
        return true
    }
}
