import CSquashFS
import Glibc
import VesselTree

/// Writes the inode and directory tables for a finished tree, then the export, id and xattr
/// tables. Inodes are numbered children-first (a directory's entries must point at inodes that
/// already exist), so the root comes last; hard links share one inode written once.
final class TreeSerializer {
    private let path: String
    private let file: UnsafeMutablePointer<sqfs_file_t>
    private let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    private let slots: [UnsafeMutablePointer<UnsafeMutablePointer<sqfs_inode_generic_t>?>]
    private let inodeWriter: OpaquePointer
    private let dirMeta: OpaquePointer
    private let dirWriter: OpaquePointer
    private let ids: OpaquePointer
    private let xattrs: OpaquePointer
    private let warn: (String) -> Void

    private var written: [ObjectIdentifier: (number: UInt32, ref: UInt64)] = [:]
    private var numbers: [ObjectIdentifier: UInt32] = [:]
    private var linkCounts: [ObjectIdentifier: Int] = [:]
    private var nextNumber: UInt32 = 1
    private var warnedPrefixes = Set<String>()

    init(path: String, file: UnsafeMutablePointer<sqfs_file_t>, compressor: UnsafeMutablePointer<sqfs_compressor_t>,
         slots: [UnsafeMutablePointer<UnsafeMutablePointer<sqfs_inode_generic_t>?>], warn: @escaping (String) -> Void) throws {
        self.path = path
        self.file = file
        self.compressor = compressor
        self.slots = slots
        self.warn = warn
        guard let im = sqfs_meta_writer_create(file, compressor, 0),
              let dm = sqfs_meta_writer_create(file, compressor, UInt32(SQFS_META_WRITER_KEEP_IN_MEMORY.rawValue)),
              let dw = sqfs_dir_writer_create(dm, UInt32(SQFS_DIR_WRITER_CREATE_EXPORT_TABLE.rawValue)),
              let it = sqfs_id_table_create(0),
              let xw = sqfs_xattr_writer_create(0) else {
            throw SquashFSError.library(path: path, doing: "setting up table writers", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        inodeWriter = im
        dirMeta = dm
        dirWriter = dw
        ids = it
        xattrs = xw
    }

    deinit {
        for p in [dirWriter, dirMeta, inodeWriter, ids, xattrs] { vessel_destroy(UnsafeMutableRawPointer(p)) }
    }

    func write(_ tree: FileTree, into sb: inout sqfs_super_t) throws -> (UInt32, UInt64, UInt32) {
        tree.walk { _, node in linkCounts[ObjectIdentifier(node.inode), default: 0] += 1 }
        numbers = Self.number(tree)
        sb.inode_table_start = file.pointee.get_size(file)
        let (number, ref) = try writeDirectories(tree.root)
        try check(sqfs_meta_writer_flush(inodeWriter), path, "writing inodes")
        try check(sqfs_meta_writer_flush(dirMeta), path, "writing directories")
        sb.root_inode_ref = ref
        sb.directory_table_start = file.pointee.get_size(file)
        try check(sqfs_meta_write_write_to_file(dirMeta), path, "writing directories")
        return (number, ref, nextNumber - 1)
    }

    func writeTables(rootNumber: UInt32, rootRef: UInt64, into sb: inout sqfs_super_t) throws {
        try check(sqfs_dir_writer_write_export_table(dirWriter, file, compressor, rootNumber, rootRef, &sb), path, "writing the export table")
        try check(sqfs_id_table_write(ids, file, &sb, compressor), path, "writing the id table")
        try check(sqfs_xattr_writer_flush(xattrs, file, &sb, compressor), path, "writing extended attributes")
    }

    /// Each inode's number, in the order they are written: a directory's children first (in
    /// name order, a hard-linked inode at its first name), then the directory. A directory's
    /// entries name its subdirectories' inodes and each subdirectory names its parent's number,
    /// so numbers are handed out here in one pass before anything is written. Iterative: an
    /// image's depth is bounded (TreeLimits), but a walk must not be able to exhaust the stack.
    static func number(_ tree: FileTree) -> [ObjectIdentifier: UInt32] {
        var numbers: [ObjectIdentifier: UInt32] = [:]
        var next: UInt32 = 1
        var stack: [(node: TreeNode, children: [TreeNode], index: Int)] = [(tree.root, tree.root.sortedChildren, 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].index == stack[top].children.count {
                numbers[ObjectIdentifier(stack[top].node.inode)] = next
                next += 1
                stack.removeLast()
                continue
            }
            let child = stack[top].children[stack[top].index]
            stack[top].index += 1
            let id = ObjectIdentifier(child.inode)
            if numbers[id] != nil { continue }
            if child.inode.isDirectory {
                stack.append((child, child.sortedChildren, 0))
            } else {
                numbers[id] = next
                next += 1
            }
        }
        return numbers
    }

    /// Writes every directory below and including `root`, children before parents, without
    /// recursion: each frame holds a directory's sorted children and the entries made so far.
    private func writeDirectories(_ root: TreeNode) throws -> (UInt32, UInt64) {
        struct Frame {
            let node: TreeNode
            let children: [TreeNode]
            var index = 0
            var entries: [(TreeNode, UInt32, UInt64)] = []
        }
        var stack = [Frame(node: root, children: root.sortedChildren)]
        var parents: [UInt32] = [0]
        while true {
            let top = stack.count - 1
            if stack[top].index == stack[top].children.count {
                let frame = stack.removeLast()
                let result = try writeDirectory(frame.node, entries: frame.entries, parentNumber: parents.removeLast())
                written[ObjectIdentifier(frame.node.inode)] = (result.0, result.1)
                guard !stack.isEmpty else { return result }
                stack[stack.count - 1].entries.append((frame.node, result.0, result.1))
                continue
            }
            let child = stack[top].children[stack[top].index]
            stack[top].index += 1
            let id = ObjectIdentifier(child.inode)
            if let done = written[id] {
                stack[top].entries.append((child, done.number, done.ref))
            } else if child.inode.isDirectory {
                parents.append(numbers[ObjectIdentifier(stack[top].node.inode)]!)
                stack.append(Frame(node: child, children: child.sortedChildren))
            } else {
                let result = try writeLeaf(child.inode)
                written[id] = (result.0, result.1)
                stack[top].entries.append((child, result.0, result.1))
            }
        }
    }

    /// Writes a directory's entries (its children are written), then its own inode.
    private func writeDirectory(_ dir: TreeNode, entries: [(TreeNode, UInt32, UInt64)], parentNumber: UInt32) throws -> (UInt32, UInt64) {
        try check(sqfs_dir_writer_begin(dirWriter, 0), path, "writing directories")
        for (child, number, ref) in entries {
            let mode = UInt16(typeBits(child.inode.kind)) | child.inode.metadata.permissions
            try check(child.name.bytes.withUnsafeBufferPointer { buf -> Int32 in
                var name = Array(buf) + [0]
                return name.withUnsafeMutableBufferPointer { n in
                    n.baseAddress!.withMemoryRebound(to: CChar.self, capacity: n.count) {
                        sqfs_dir_writer_add_entry(dirWriter, $0, number, ref, mode)
                    }
                }
            }, path, "writing directory \(child.name)")
        }
        try check(sqfs_dir_writer_end(dirWriter), path, "writing directories")
        let subdirs = entries.filter { $0.0.inode.isDirectory }.count
        let xattrIndex = try xattrIndex(dir.inode.metadata.xattrs)
        guard let inode = sqfs_dir_writer_create_inode(dirWriter, 0, xattrIndex, parentNumber) else {
            throw SquashFSError.library(path: path, doing: "writing directories", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        defer { free(inode) }
        if inode.pointee.base.type == UInt16(SQFS_INODE_DIR.rawValue) {
            inode.pointee.data.dir.nlink = UInt32(2 + subdirs)
        } else {
            inode.pointee.data.dir_ext.nlink = UInt32(2 + subdirs)
        }
        precondition(nextNumber == numbers[ObjectIdentifier(dir.inode)], "inode numbering went out of step")
        return try emit(inode, dir.inode, xattrIndex: nil)
    }

    private func writeLeaf(_ node: Inode) throws -> (UInt32, UInt64) {
        let links = UInt32(linkCounts[ObjectIdentifier(node)] ?? 1)
        let inode: UnsafeMutablePointer<sqfs_inode_generic_t>
        var owned = true
        switch node.kind {
        case .regular(let content):
            inode = slots[content.index].pointee!
            owned = false
            if links > 1 {
                sqfs_inode_make_extended(inode)
                inode.pointee.data.file_ext.nlink = links
            }
        case .symlink(let target):
            inode = vessel_inode_alloc(target.count)
            inode.pointee.base.type = UInt16(SQFS_INODE_SLINK.rawValue)
            inode.pointee.data.slink.nlink = links
            inode.pointee.data.slink.target_size = UInt32(target.count)
            inode.pointee.payload_bytes_available = UInt32(target.count)
            inode.pointee.payload_bytes_used = UInt32(target.count)
            target.withUnsafeBytes { vessel_inode_set_extra(inode, $0.baseAddress, $0.count) }
        case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
            let isChar: Bool
            if case .characterDevice = node.kind { isChar = true } else { isChar = false }
            inode = vessel_inode_alloc(0)
            inode.pointee.base.type = UInt16((isChar ? SQFS_INODE_CDEV : SQFS_INODE_BDEV).rawValue)
            inode.pointee.data.dev.nlink = links
            // The kernel's new_encode_dev layout.
            inode.pointee.data.dev.devno = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
        case .fifo, .socket:
            inode = vessel_inode_alloc(0)
            inode.pointee.base.type = UInt16((node.kind == .fifo ? SQFS_INODE_FIFO : SQFS_INODE_SOCKET).rawValue)
            inode.pointee.data.ipc.nlink = links
        case .directory:
            preconditionFailure("directories are written by writeDirectory")
        }
        defer { if owned { free(inode) } }
        return try emit(inode, node, xattrIndex: try xattrIndex(node.metadata.xattrs))
    }

    /// Fills the fields every inode has, then appends it to the inode table.
    private func emit(_ inode: UnsafeMutablePointer<sqfs_inode_generic_t>, _ node: Inode, xattrIndex: UInt32?) throws -> (UInt32, UInt64) {
        let meta = node.metadata
        inode.pointee.base.mode = UInt16(typeBits(node.kind)) | meta.permissions
        inode.pointee.base.mod_time = UInt32(clamping: meta.mtime)
        inode.pointee.base.inode_number = nextNumber
        try check(sqfs_id_table_id_to_index(ids, meta.uid, &inode.pointee.base.uid_idx), path, "recording owner \(meta.uid)")
        try check(sqfs_id_table_id_to_index(ids, meta.gid, &inode.pointee.base.gid_idx), path, "recording group \(meta.gid)")
        if let xattrIndex, xattrIndex != 0xFFFF_FFFF {
            try check(sqfs_inode_set_xattr_index(inode, xattrIndex), path, "recording extended attributes")
        }
        var block: UInt64 = 0
        var offset: UInt32 = 0
        sqfs_meta_writer_get_position(inodeWriter, &block, &offset)
        try check(sqfs_meta_writer_write_inode(inodeWriter, inode), path, "writing inodes")
        let number = nextNumber
        nextNumber += 1
        return (number, block << 16 | UInt64(offset))
    }

    private func xattrIndex(_ list: [Xattr]) throws -> UInt32 {
        guard !list.isEmpty else { return 0xFFFF_FFFF }
        try check(sqfs_xattr_writer_begin(xattrs, 0), path, "writing extended attributes")
        for x in list {
            var key = x.name.map { CChar(bitPattern: $0) } + [0]
            let rc = x.value.withUnsafeBytes { v in sqfs_xattr_writer_add(xattrs, &key, v.baseAddress, v.count) }
            if rc == SQFS_ERROR_UNSUPPORTED.rawValue {
                let prefix = String(x.nameString.prefix(while: { $0 != "." }))
                if warnedPrefixes.insert(prefix).inserted {
                    warn("extended attributes \(prefix).* cannot be stored in SquashFS and were left out (e.g. \(x.nameString))")
                }
                continue
            }
            try check(rc, path, "writing extended attribute \(x.nameString)")
        }
        var index: UInt32 = 0xFFFF_FFFF
        try check(sqfs_xattr_writer_end(xattrs, &index), path, "writing extended attributes")
        return index
    }

    private func typeBits(_ kind: InodeKind) -> UInt32 {
        switch kind {
        case .directory: return UInt32(S_IFDIR)
        case .regular: return UInt32(S_IFREG)
        case .symlink: return UInt32(S_IFLNK)
        case .characterDevice: return UInt32(S_IFCHR)
        case .blockDevice: return UInt32(S_IFBLK)
        case .fifo: return UInt32(S_IFIFO)
        case .socket: return UInt32(S_IFSOCK)
        }
    }
}
