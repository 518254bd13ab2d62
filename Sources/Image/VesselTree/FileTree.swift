/// A directory entry: a name bound to an inode, with children when the inode is a directory.
public final class TreeNode {
    public let name: FileName
    public var inode: Inode
    public private(set) var children: [FileName: TreeNode] = [:]

    public init(name: FileName, inode: Inode) {
        self.name = name
        self.inode = inode
    }

    public func child(_ name: FileName) -> TreeNode? { children[name] }

    public func setChild(_ node: TreeNode) { children[node.name] = node }

    public func removeChild(_ name: FileName) { children[name] = nil }

    /// Children in SquashFS order: sorted by the bytes of their names.
    public var sortedChildren: [TreeNode] { children.values.sorted { $0.name < $1.name } }
}

/// The merged root file system of an image: metadata only, file data is already in the sink.
public final class FileTree {
    public let root: TreeNode

    public init(root: TreeNode) { self.root = root }

    public func node(at path: TreePath) -> TreeNode? {
        var node = root
        for name in path.components {
            guard let next = node.child(name) else { return nil }
            node = next
        }
        return node
    }

    /// Visits every entry depth-first, parents before children, children sorted. Iterative,
    /// so that no tree can exhaust the stack.
    public func walk(_ visit: (TreePath, TreeNode) throws -> Void) rethrows {
        var stack: [(TreePath, TreeNode)] = [(.root, root)]
        while let (path, node) = stack.popLast() {
            try visit(path, node)
            // Pushed in reverse, so that they pop in name order.
            for child in node.sortedChildren.reversed() { stack.append((path.appending(child.name), child)) }
        }
    }

    /// Counts entries and distinct inodes (hard links share one).
    public func statistics() -> (entries: Int, inodes: Int) {
        var entries = 0
        var seen = Set<ObjectIdentifier>()
        walk { _, node in
            entries += 1
            seen.insert(ObjectIdentifier(node.inode))
        }
        return (entries, seen.count)
    }
}

/// Where file contents go while layers stream. The SquashFS writer is the real one; data is
/// written exactly once, in the order files are decided.
public protocol ContentSink: AnyObject {
    func beginFile() throws
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Ends the current file and returns the reference the tree keeps.
    func endFile() throws -> ContentRef
}
