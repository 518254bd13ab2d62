/// One path component, kept as raw bytes: tar names need not be valid UTF-8, and SquashFS
/// directories must be sorted by byte order, not by Swift's Unicode string order.
public struct FileName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    public static func < (a: FileName, b: FileName) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// A normalized path below the image root: no empty, "." or ".." components.
public struct TreePath: Hashable, Sendable, CustomStringConvertible {
    public var components: [FileName]

    public init(_ components: [FileName]) { self.components = components }

    public static let root = TreePath([])
    public var isRoot: Bool { components.isEmpty }
    public var parent: TreePath { TreePath(Array(components.dropLast())) }
    public var last: FileName? { components.last }

    public func appending(_ name: FileName) -> TreePath { TreePath(components + [name]) }

    public var description: String {
        "/" + components.map(\.description).joined(separator: "/")
    }
}

/// What an image's tree may hold. Linux resolves no path longer than PATH_MAX (4096 bytes), so an
/// entry past it can be neither made nor used by a program; a layer that names one is refused
/// (one line), before deep nesting costs memory or time (a 51 KB layer naming a path 20,000
/// directories deep once took 1.7 GB and crashed the converter).
public enum TreeLimits {
    /// Bytes in an entry's path (and a hard link's target), as the layer spells it.
    public static let pathBytes = 4096
    /// Directories an entry may lie below.
    public static let depth = 1024
}
