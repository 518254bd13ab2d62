import CArchive
import Foundation
import VesselBasics
import VesselTree
import VesselWire

/// An overlay's upper directory read as a layer over the image below it: what a container
/// wrote, what it removed (whiteouts: a 0/0 character device, or fuse-overlayfs's .wh.NAME),
/// and the directories it emptied and refilled (opaque: an overlay xattr, or .wh..wh..opq).
/// What Vessel itself put there (MadeEntries: mount points, its /etc/passwd) and has not been
/// changed since is not the container's, and is left out.
struct OverlayUpperLayer {
    let directory: String
    let made: MadeEntries
    /// Paths the container removed, or replaced by a non-directory.
    private(set) var hidden: Set<String> = []
    /// Directories whose image contents the container removed.
    private(set) var opaque: Set<String> = []

    static let opaqueXattrs = ["trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque"]
    /// The overlay's own bookkeeping, not the files'.
    static let privateXattrPrefixes = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."]

    init(directory: String, made: MadeEntries) throws {
        self.directory = directory
        self.made = made
        var hidden: Set<String> = [], opaque: Set<String> = []
        try Self.walk(directory) { path, st, name in
            let dir = Self.parent(path)
            if name == ".wh..wh..opq" { opaque.insert(dir) }
            else if name.hasPrefix(".wh.") { hidden.insert((dir == "/" ? "" : dir) + "/" + name.dropFirst(4)) }
            else if Self.isWhiteout(st) { hidden.insert(path) }
            else if st.st_mode & S_IFMT == S_IFDIR {
                if Self.opaqueXattrs.contains(where: { Self.xattr(directory + path, $0) == "y" }) { opaque.insert(path) }
            } else if !made.isUnchanged(path, now: MadeEntries.stamp(of: directory + path)) {
                hidden.insert(path)
            }
        }
        self.hidden = hidden
        self.opaque = opaque
    }

    /// Whether the image's entry at `path` is not part of the result (the layer replaced or removed it).
    func hides(_ path: String) -> Bool { hidden.contains(path) || opaque.contains(Self.parent(path)) }

    /// Puts the layer's entries into `tree` (read from the image with `hides` left out); file
    /// data goes to `sink`.
    func apply(to tree: FileTree, sink: ContentSink) throws {
        var links: [UInt64: Inode] = [:]
        // Directories Vessel made that the image lacks: kept only if the container put something in them.
        var madeDirectories: [(String, TreeNode, TreeNode)] = []
        try Self.walk(directory) { path, st, name in
            guard !name.hasPrefix(".wh."), !Self.isWhiteout(st) else { return }
            guard let parentNode = tree.node(at: TreePath(Self.parent(path).split(separator: "/").map { FileName(String($0)) })), parentNode.inode.isDirectory else { return }
            let fileName = FileName(name)
            if st.st_mode & S_IFMT == S_IFDIR {
                if let existing = parentNode.child(fileName), existing.inode.isDirectory {
                    if !isVessels(path) { existing.inode.metadata = try metadata(path, st) }
                } else {
                    let node = TreeNode(name: fileName, inode: Inode(kind: .directory, metadata: try metadata(path, st)))
                    parentNode.setChild(node)
                    if isVessels(path) { madeDirectories.append((path, parentNode, node)) }
                }
                return
            }
            guard !isVessels(path) else { return }
            if st.st_nlink > 1, let inode = links[UInt64(st.st_ino)] {
                parentNode.setChild(TreeNode(name: fileName, inode: inode))
                return
            }
            let inode = Inode(kind: try kind(path, st, sink: sink), metadata: try metadata(path, st))
            if st.st_nlink > 1 { links[UInt64(st.st_ino)] = inode }
            parentNode.setChild(TreeNode(name: fileName, inode: inode))
        }
        // Deepest first, so that a made parent of a made, empty directory goes too.
        for (_, parentNode, node) in madeDirectories.reversed() where node.children.isEmpty {
            parentNode.removeChild(node.name)
        }
    }

    // MARK: Reading the directory

    /// Every entry below `directory`, parents before children, with its lstat and name; no
    /// symbolic link is followed.
    private static func walk(_ directory: String, _ visit: (String, stat, String) throws -> Void) throws {
        var stack = ["/"]
        while let dir = stack.popLast() {
            guard let d = opendir(directory + (dir == "/" ? "" : dir)) else {
                throw BuildError.container("reading \(dir) of the container's layer: \(String(cString: strerror(errno)))")
            }
            defer { closedir(d) }
            for name in PlainSystem.names(in: d).sorted() {
                let path = (dir == "/" ? "" : dir) + "/" + name
                var st = stat()
                guard lstat(directory + path, &st) == 0 else {
                    throw BuildError.container("reading \(path) of the container's layer: \(String(cString: strerror(errno)))")
                }
                try visit(path, st, name)
                if st.st_mode & S_IFMT == S_IFDIR { stack.append(path) }
            }
        }
    }

    private static func isWhiteout(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0 }

    private func isVessels(_ path: String) -> Bool { made.isUnchanged(path, now: MadeEntries.stamp(of: directory + path)) }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func xattr(_ path: String, _ name: String) -> String? {
        var value = [UInt8](repeating: 0, count: 64)
        let n = lgetxattr(path, name, &value, value.count)
        return n < 0 ? nil : String(decoding: value[0..<n], as: UTF8.self)
    }

    private func metadata(_ path: String, _ st: stat) throws -> Metadata {
        Metadata(permissions: UInt16(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid, mtime: Int64(st.st_mtim.tv_sec),
                 xattrs: try xattrs(path))
    }

    private func xattrs(_ path: String) throws -> [Xattr] {
        let full = directory + path
        let size = llistxattr(full, nil, 0)
        guard size > 0 else { return [] }
        var names = [CChar](repeating: 0, count: size)
        let n = llistxattr(full, &names, size)
        guard n > 0 else { return [] }
        var out: [Xattr] = []
        for raw in names[0..<n].split(separator: 0) {
            let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if Self.privateXattrPrefixes.contains(where: name.hasPrefix) { continue }
            let length = lgetxattr(full, name, nil, 0)
            guard length >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: length)
            guard lgetxattr(full, name, &value, length) == length else { continue }
            out.append(Xattr(name: Array(name.utf8), value: value))
        }
        return out
    }

    private func kind(_ path: String, _ st: stat, sink: ContentSink) throws -> InodeKind {
        let full = directory + path
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            let fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw BuildError.container("reading \(path) of the container's layer: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try sink.beginFile()
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw BuildError.container("reading \(path) of the container's layer: \(String(cString: strerror(errno)))") }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            return .regular(try sink.endFile())
        case S_IFLNK:
            var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = target.withUnsafeMutableBufferPointer { readlink(full, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
            guard n >= 0 else { throw BuildError.container("reading \(path) of the container's layer: \(String(cString: strerror(errno)))") }
            return .symlink(target: Array(target[0..<n]))
        case S_IFCHR: return .characterDevice(major: major(st.st_rdev), minor: minor(st.st_rdev))
        case S_IFBLK: return .blockDevice(major: major(st.st_rdev), minor: minor(st.st_rdev))
        case S_IFIFO: return .fifo
        default: return .socket
        }
    }

    private func major(_ dev: dev_t) -> UInt32 { UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~0xfff) }
    private func minor(_ dev: dev_t) -> UInt32 { UInt32(dev & 0xff) | UInt32((dev >> 12) & ~0xff) }
}
