import CSquashFS
import Foundation

/// Unpacks a SquashFS image into a directory, as an ordinary user: for running without FUSE.
/// Modes, hard links and symbolic links are kept; owners are the caller's (no one else can own
/// files here), device nodes and sockets are left out, xattrs too.
public struct SquashFSExtractor {
    public let image: String

    public init(image: String) { self.image = image }

    public func extract(to destination: String) throws {
        guard let file = sqfs_open_file(image, UInt32(SQFS_FILE_OPEN_READ_ONLY.rawValue)) else {
            throw SquashFSError.notSquashFS(path: image, reason: "cannot open it")
        }
        defer { vessel_destroy(file) }
        var sb = sqfs_super_t()
        guard sqfs_super_read(&sb, file) == 0 else { throw SquashFSError.notSquashFS(path: image, reason: "no SquashFS 4.0 super block") }
        var cfg = sqfs_compressor_config_t()
        sqfs_compressor_config_init(&cfg, SQFS_COMPRESSOR(UInt32(sb.compression_id)), Int(sb.block_size), UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue))
        var cmp: UnsafeMutablePointer<sqfs_compressor_t>?
        guard sqfs_compressor_create(&cfg, &cmp) == 0, let cmp else { throw SquashFSError.notSquashFS(path: image, reason: "unsupported compressor") }
        defer { vessel_destroy(cmp) }
        guard let ids = sqfs_id_table_create(0), let dirs = sqfs_dir_reader_create(&sb, cmp, file, 0),
              let data = sqfs_data_reader_create(file, Int(sb.block_size), cmp, 0) else {
            throw SquashFSError.library(path: image, doing: "reading", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        defer {
            vessel_destroy(UnsafeMutableRawPointer(data))
            vessel_destroy(UnsafeMutableRawPointer(dirs))
            vessel_destroy(UnsafeMutableRawPointer(ids))
        }
        try check(sqfs_id_table_read(ids, file, &sb, cmp), image, "reading the id table")
        try check(sqfs_data_reader_load_fragment_table(data, &sb), image, "reading the fragment table")
        var tree: UnsafeMutablePointer<sqfs_tree_node_t>?
        let flags = UInt32(SQFS_TREE_NO_DEVICES.rawValue | SQFS_TREE_NO_SOCKETS.rawValue)
        try check(sqfs_dir_reader_get_full_hierarchy(dirs, ids, nil, flags, &tree), image, "reading the directory tree")
        defer { sqfs_dir_tree_destroy(tree) }
        var state = State(data: data, image: image)
        try state.write(tree!, at: destination)
        // Directory modes last, deepest first: a read-only directory must first be filled.
        for (path, mode) in state.directoryModes.reversed() { chmod(path, mode) }
    }

    private struct State {
        let data: OpaquePointer
        let image: String
        var links: [UInt32: String] = [:]
        var directoryModes: [(String, mode_t)] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)

        init(data: OpaquePointer, image: String) {
            self.data = data
            self.image = image
        }

        mutating func write(_ node: UnsafeMutablePointer<sqfs_tree_node_t>, at path: String) throws {
            let inode = node.pointee.inode!
            let mode = mode_t(inode.pointee.base.mode & 0o7777)
            let number = inode.pointee.base.inode_number
            func fail(_ what: String) -> SquashFSError {
                .library(path: path, doing: what, code: SQFS_ERROR_IO.rawValue, errno: errno)
            }
            if let first = links[number] {
                guard link(first, path) == 0 else { throw fail("linking to \(first)") }
                return
            }
            switch mode_t(inode.pointee.base.mode) & S_IFMT {
            case S_IFDIR:
                if mkdir(path, 0o700) != 0 && errno != EEXIST { throw fail("creating the directory") }
                directoryModes.append((path, mode))
                var child = node.pointee.children
                while let c = child {
                    try write(c, at: path + "/" + String(cString: vessel_tree_node_name(c)))
                    child = c.pointee.next
                }
                return
            case S_IFREG:
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw fail("creating the file") }
                defer { close(fd) }
                var size: UInt64 = 0
                sqfs_inode_get_file_size(inode, &size)
                var offset: UInt64 = 0
                while offset < size {
                    let want = UInt32(min(UInt64(buffer.count), size - offset))
                    let n = sqfs_data_reader_read(data, inode, offset, buffer.baseAddress, want)
                    try check(n, image, "reading a file's data")
                    if n == 0 { break }
                    // Runs of zeros stay holes: the target is a tmpfs, which is memory.
                    if UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]).allSatisfy({ $0 == 0 }) {
                        lseek(fd, off_t(n), SEEK_CUR)
                    } else if Glibc.write(fd, buffer.baseAddress, Int(n)) != Int(n) {
                        throw fail("writing")
                    }
                    offset += UInt64(n)
                }
                guard ftruncate(fd, off_t(size)) == 0 else { throw fail("writing") }
                fchmod(fd, mode)
            case S_IFLNK:
                // The target is not NUL-terminated; its length is in the inode.
                let length = inode.pointee.base.type == UInt16(SQFS_INODE_SLINK.rawValue)
                    ? inode.pointee.data.slink.target_size : inode.pointee.data.slink_ext.target_size
                let target = String(decoding: UnsafeRawBufferPointer(start: vessel_inode_symlink_target(inode), count: Int(length)), as: UTF8.self)
                guard symlink(target, path) == 0 else { throw fail("creating the link") }
            case S_IFIFO:
                guard mkfifo(path, mode) == 0 else { throw fail("creating the FIFO") }
            default:
                return
            }
            links[number] = path
        }
    }
}
