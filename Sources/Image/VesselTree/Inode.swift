/// Ownership, permissions, time and extended attributes of one inode.
public struct Metadata: Equatable, Sendable {
    /// Permission bits including setuid, setgid and sticky (mode & 0o7777).
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    /// Seconds since the epoch; SquashFS stores 32 bits, so the writer clamps.
    public var mtime: Int64
    /// Sorted by name so that the output does not depend on the order a layer listed them in.
    public var xattrs: [Xattr]

    public init(permissions: UInt16, uid: UInt32 = 0, gid: UInt32 = 0, mtime: Int64 = 0, xattrs: [Xattr] = []) {
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
        self.xattrs = xattrs.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
}

public struct Xattr: Equatable, Sendable {
    public var name: [UInt8]
    public var value: [UInt8]
    public init(name: [UInt8], value: [UInt8]) { self.name = name; self.value = value }
    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

/// What an inode is. Regular file contents live in the output, reachable through `ContentRef`.
public enum InodeKind: Equatable, Sendable {
    case directory
    case regular(ContentRef)
    case symlink(target: [UInt8])
    case characterDevice(major: UInt32, minor: UInt32)
    case blockDevice(major: UInt32, minor: UInt32)
    case fifo
    case socket
}

/// A handle the content sink gave back for a file's data; the tree only carries it along.
public struct ContentRef: Equatable, Sendable {
    public let index: Int
    public let size: UInt64
    public init(index: Int, size: UInt64) { self.index = index; self.size = size }
}

/// One inode. Several directory entries may share one (hard links); the link count is
/// derived from the tree when it is serialized, never stored.
public final class Inode {
    public var kind: InodeKind
    public var metadata: Metadata

    public init(kind: InodeKind, metadata: Metadata) {
        self.kind = kind
        self.metadata = metadata
    }

    public var isDirectory: Bool { if case .directory = kind { return true } else { return false } }
}
