import CSquashFS
import Glibc

/// Unpacks a SquashFS image into a directory, as an ordinary user: for running without FUSE.
/// Modes, hard links and symbolic links are kept; owners are the caller's (no one else can own
/// files here), device nodes and sockets are left out, xattrs too.
public struct SquashFSExtractor {
    public let image: String

    public init(image: String) { self.image = image }

    public func extract(to destination: String) throws {
        let squashfs = try SquashFSImage(path: image)
        let tree = try squashfs.hierarchy(flags: UInt32(SQFS_TREE_NO_DEVICES.rawValue | SQFS_TREE_NO_SOCKETS.rawValue))
        defer { sqfs_dir_tree_destroy(tree) }
        var state = State(squashfs: squashfs)
        try state.write(tree, at: destination)
        // Directory modes last, deepest first: a read-only directory must first be filled.
        for (path, mode) in state.directoryModes.reversed() { chmod(path, mode) }
    }

    private struct State {
        let squashfs: SquashFSImage
        var links: [UInt32: String] = [:]
        var directoryModes: [(String, mode_t)] = []

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
                try squashfs.readData(inode, what: "a file's data") { chunk in
                    // Runs of zeros stay holes: the target is a tmpfs, which is memory.
                    if chunk.allSatisfy({ $0 == 0 }) {
                        lseek(fd, off_t(chunk.count), SEEK_CUR)
                    } else if Glibc.write(fd, chunk.baseAddress, chunk.count) != chunk.count {
                        throw fail("writing")
                    }
                }
                guard ftruncate(fd, off_t(size)) == 0 else { throw fail("writing") }
                fchmod(fd, mode)
            case S_IFLNK:
                let target = String(decoding: SquashFSImage.symlinkTarget(inode), as: UTF8.self)
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
