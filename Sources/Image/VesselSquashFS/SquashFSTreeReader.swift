import CSquashFS
import Glibc
import VesselTree

/// Reads a whole SquashFS image (a SIF file's partition, say) into a FileTree whose file
/// data goes to a ContentSink: every entry with its owner, mode, time and xattrs, devices,
/// and hard links as shared inodes. What `vessel build OUT sif:FILE` converts.
public struct SquashFSTreeReader {
    public let image: SquashFSImage

    public init(image: SquashFSImage) { self.image = image }

    /// `skip`: paths ("/etc/passwd") left out, with all below them; nothing of theirs is read.
    public func read(into sink: ContentSink, skip: ((String) -> Bool)? = nil) throws -> FileTree {
        let top = try image.hierarchy()
        defer { sqfs_dir_tree_destroy(top) }
        let xattrs = try XattrReader(image)
        var inodes: [UInt32: Inode] = [:]
        let root = TreeNode(name: FileName(""), inode: try inode(top, path: "/", xattrs: xattrs, sink: sink))
        // Iterative: a deep image must not exhaust the stack.
        var stack: [(UnsafeMutablePointer<sqfs_tree_node_t>, TreeNode, String)] = [(top, root, "")]
        while let (node, parent, path) = stack.popLast() {
            var child = node.pointee.children
            while let c = child {
                let name = String(cString: vessel_tree_node_name(c))
                if let skip, skip(path + "/" + name) { child = c.pointee.next; continue }
                let number = c.pointee.inode.pointee.base.inode_number
                let shared = inodes[number]
                let entry = TreeNode(name: FileName(name), inode: try shared ?? inode(c, path: path + "/" + name, xattrs: xattrs, sink: sink))
                if shared == nil, !entry.inode.isDirectory { inodes[number] = entry.inode }
                parent.setChild(entry)
                if entry.inode.isDirectory { stack.append((c, entry, path + "/" + name)) }
                child = c.pointee.next
            }
        }
        return FileTree(root: root)
    }

    private func inode(_ node: UnsafeMutablePointer<sqfs_tree_node_t>, path: String, xattrs: XattrReader,
                       sink: ContentSink) throws -> Inode {
        let i = node.pointee.inode!
        let mode = mode_t(i.pointee.base.mode)
        let metadata = Metadata(permissions: UInt16(mode & 0o7777), uid: node.pointee.uid, gid: node.pointee.gid,
                                mtime: Int64(i.pointee.base.mod_time), xattrs: try xattrs.of(i, path: path))
        func device() -> (UInt32, UInt32) {
            let extended = i.pointee.base.type == UInt16(SQFS_INODE_EXT_BDEV.rawValue) || i.pointee.base.type == UInt16(SQFS_INODE_EXT_CDEV.rawValue)
            let n = extended ? i.pointee.data.dev_ext.devno : i.pointee.data.dev.devno
            return ((n >> 8) & 0xfff, (n & 0xff) | ((n >> 12) & 0xfff00))
        }
        let kind: InodeKind
        switch mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG:
            try sink.beginFile()
            try image.readData(i, what: path) { try sink.append($0) }
            kind = .regular(try sink.endFile())
        case S_IFLNK: kind = .symlink(target: SquashFSImage.symlinkTarget(i))
        case S_IFCHR: let (a, b) = device(); kind = .characterDevice(major: a, minor: b)
        case S_IFBLK: let (a, b) = device(); kind = .blockDevice(major: a, minor: b)
        case S_IFIFO: kind = .fifo
        default: kind = .socket
        }
        return Inode(kind: kind, metadata: metadata)
    }

    /// The image's extended attributes, when it has any.
    final class XattrReader {
        private let reader: OpaquePointer?
        private let path: String

        init(_ image: SquashFSImage) throws {
            path = image.path
            guard image.superblock.xattr_id_table_start != UInt64.max,
                  image.superblock.flags & UInt16(SQFS_FLAG_NO_XATTRS.rawValue) == 0,
                  let r = sqfs_xattr_reader_create(0) else { reader = nil; return }
            reader = r
            try check(sqfs_xattr_reader_load(r, &image.superblock, image.file, image.compressor), path, "reading the xattr table")
        }

        deinit { if let reader { vessel_destroy(UnsafeMutableRawPointer(reader)) } }

        func of(_ inode: UnsafePointer<sqfs_inode_generic_t>, path: String) throws -> [Xattr] {
            guard let reader else { return [] }
            var index: UInt32 = 0
            guard sqfs_inode_get_xattr_index(inode, &index) == 0, index != 0xFFFF_FFFF else { return [] }
            var desc = sqfs_xattr_id_t()
            try check(sqfs_xattr_reader_get_desc(reader, index, &desc), self.path, "reading the xattrs of \(path)")
            try check(sqfs_xattr_reader_seek_kv(reader, &desc), self.path, "reading the xattrs of \(path)")
            var out: [Xattr] = []
            for _ in 0..<desc.count {
                var key: UnsafeMutablePointer<sqfs_xattr_entry_t>?
                var value: UnsafeMutablePointer<sqfs_xattr_value_t>?
                try check(sqfs_xattr_reader_read_key(reader, &key), self.path, "reading the xattrs of \(path)")
                defer { free(key) }
                try check(sqfs_xattr_reader_read_value(reader, key, &value), self.path, "reading the xattrs of \(path)")
                defer { free(value) }
                guard let key, let value else { continue }
                // The reader gives the whole name (its prefix put back), NUL-terminated.
                let name = Array(String(cString: vessel_xattr_key_name(key).assumingMemoryBound(to: CChar.self)).utf8)
                out.append(Xattr(name: name, value: Array(UnsafeRawBufferPointer(start: vessel_xattr_value_bytes(value), count: Int(value.pointee.size)))))
            }
            return out
        }
    }
}
