import Foundation
import VesselTree

/// Applies an image's layers to an in-memory tree from the TOP layer down, so that every tar
/// entry can be decided the moment it streams past: an entry is kept only when no layer above
/// already provided, deleted (`.wh.NAME`) or hid (`.wh..wh..opq`, a non-directory above) its path.
/// Kept file data goes straight to the content sink; nothing is unpacked to disk.
///
/// Hard links point at a path "as it was when the link's layer was applied": a target in the same
/// layer (even one a layer above deletes) or the first version of that path in a layer below.
public final class LayerMerger {
    private let sink: ContentSink
    private let spill: SpillFile
    private let implicitDirectory: Metadata
    private let root: MergeNode
    /// Paths deleted by whiteouts of the layers above the current one.
    private var deleted = Set<TreePath>()
    /// Directories whose lower contents are hidden by the layers above the current one.
    private var opaque = Set<TreePath>()
    /// Hard-link names waiting for their target from a lower layer, by target path.
    private var pendingLinks: [TreePath: [PendingLink]] = [:]

    // State of the layer being applied.
    private var layer = Int.max
    private var label = ""
    private var layerInodes: [TreePath: Inode] = [:]
    private var hidden: [TreePath: HiddenEntry] = [:]
    private var newWhiteouts: [TreePath] = []
    private var newOpaque: [TreePath] = []

    /// - Parameters:
    ///   - spillDirectory: where data of hidden files is parked while its layer streams, in case
    ///     a hard link of the same layer names it (an unlinked file; gone when the build ends).
    ///   - implicitDirectory: metadata for directories no layer describes.
    public init(sink: ContentSink, spillDirectory: String, implicitDirectory: Metadata) {
        self.sink = sink
        self.spill = SpillFile(directory: spillDirectory)
        self.implicitDirectory = implicitDirectory
        self.root = MergeNode(name: FileName([]), state: .implicitDirectory, layer: .max)
    }

    /// Applies one layer; layers must come top first (index counting down).
    public func apply(_ reader: LayerReader, index: Int, label: String) throws {
        precondition(index < layer, "layers are merged from the top down")
        layer = index
        self.label = label
        while let entry = try reader.next() {
            try add(entry, reader)
        }
        try reader.finish()
        deleted.formUnion(newWhiteouts)
        opaque.formUnion(newOpaque)
        layerInodes.removeAll()
        hidden.removeAll()
        newWhiteouts.removeAll()
        newOpaque.removeAll()
        try spill.reset()
    }

    /// The merged tree, once every layer has been applied.
    public func finish() throws -> FileTree {
        if let (target, waiting) = pendingLinks.min(by: { $0.key.description < $1.key.description }) {
            throw ImageError.hardLinkTargetMissing(layer: waiting[0].layer, path: waiting[0].path.description,
                                                   target: target.description)
        }
        return FileTree(root: build(root))
    }

    // MARK: - Deciding one entry

    private func add(_ entry: LayerEntry, _ reader: LayerReader) throws {
        let path = try normalize(entry.path, entry: entry.path)
        guard let name = path.last else {
            // "./": the root directory's own metadata.
            if entry.kind == .directory, root.state == .implicitDirectory || root.layer == layer {
                root.fill(Inode(kind: .directory, metadata: entry.metadata), layer: layer)
            }
            return
        }
        if name.bytes.starts(with: Self.whiteoutPrefix) {
            if name.bytes == Self.opaqueMarker {
                newOpaque.append(path.parent)
            } else {
                newWhiteouts.append(path.parent.appending(FileName(Array(name.bytes.dropFirst(Self.whiteoutPrefix.count)))))
            }
            return
        }
        guard case .place(let parent, let existing) = try locate(path, entry) else {
            return try keepHidden(entry, path, reader)
        }
        if let existing {
            if existing.layer > layer || existing.state == .pendingLink {
                // A layer above decided this path: only a directory it merely implied takes our metadata.
                if existing.state == .implicitDirectory, entry.kind == .directory {
                    existing.fill(Inode(kind: .directory, metadata: entry.metadata), layer: layer)
                    return
                }
                if existing.state == .implicitDirectory, entry.kind == .symlink {
                    throw unsafe(path, "a layer above writes below it, through this symbolic link")
                }
                if existing.isDirectory, entry.kind != .directory {
                    // This layer replaced whatever lower layers had here by a non-directory: their
                    // contents below this path are gone even though a layer above made it a
                    // directory again. That is a whiteout in all but name.
                    newWhiteouts.append(path)
                }
                return try keepHidden(entry, path, reader)
            }
            // The same layer names the path again: as when a tar is extracted, the later entry wins.
            if entry.kind == .directory, existing.isDirectory {
                existing.fill(Inode(kind: .directory, metadata: entry.metadata), layer: layer)
                return
            }
        }
        let node = MergeNode(name: name, state: .present, layer: layer)
        var target: TreePath?
        if entry.kind == .hardlink {
            target = try normalize(entry.linkTarget, entry: entry.path)
            try link([PendingLink(node: node, path: path, layer: label)], to: target!)
        } else {
            node.inode = try makeInode(entry, reader)
        }
        if let inode = node.inode { layerInodes[path] = inode }
        try settleWaiting(on: path, inode: node.inode, via: node.state == .pendingLink ? target : nil)
        if entry.kind == .directory, let old = existing, old.isDirectory { node.adoptChildren(of: old) }
        parent.children[name] = node
    }

    /// An entry no one sees at its own path; it may still be the target of a hard link.
    private func keepHidden(_ entry: LayerEntry, _ path: TreePath, _ reader: LayerReader) throws {
        switch entry.kind {
        case .directory:
            return
        case .hardlink:
            let target = try normalize(entry.linkTarget, entry: entry.path)
            if let inode = try resolve(target) { layerInodes[path] = inode }
            try settleWaiting(on: path, inode: layerInodes[path], via: target)
        default:
            if pendingLinks[path] != nil {
                let inode = try makeInode(entry, reader)
                layerInodes[path] = inode
                try settleWaiting(on: path, inode: inode, via: nil)
            } else if entry.kind == .regular, entry.size > 0 {
                hidden[path] = HiddenEntry(entry: entry, spilled: try spill.store(reader))
            } else {
                hidden[path] = HiddenEntry(entry: entry, spilled: nil)
            }
        }
    }

    /// Links from layers above that name `path` get its inode, or wait on `target` in turn.
    private func settleWaiting(on path: TreePath, inode: Inode?, via target: TreePath?) throws {
        guard let waiting = pendingLinks.removeValue(forKey: path) else { return }
        if let inode {
            waiting.forEach { $0.node.resolve(inode) }
        } else if let target {
            pendingLinks[target, default: []].append(contentsOf: waiting)
        }
    }

    private func link(_ links: [PendingLink], to target: TreePath) throws {
        if let inode = try resolve(target) {
            links.forEach { $0.node.resolve(inode) }
        } else {
            links.forEach { $0.node.state = .pendingLink }
            pendingLinks[target, default: []].append(contentsOf: links)
        }
    }

    /// The inode a hard link of the current layer names, if this layer has it.
    private func resolve(_ target: TreePath) throws -> Inode? {
        if let inode = layerInodes[target] { return inode }
        guard let h = hidden.removeValue(forKey: target) else { return nil }
        let inode: Inode
        if let range = h.spilled {
            try sink.beginFile()
            try spill.copy(range) { try sink.append($0) }
            inode = Inode(kind: .regular(try sink.endFile()), metadata: h.entry.metadata)
        } else {
            inode = try makeInode(h.entry, nil)
        }
        layerInodes[target] = inode
        return inode
    }

    private func makeInode(_ e: LayerEntry, _ reader: LayerReader?) throws -> Inode {
        let kind: InodeKind
        switch e.kind {
        case .regular:
            try sink.beginFile()
            try reader?.readData { try sink.append($0) }
            kind = .regular(try sink.endFile())
        case .directory: kind = .directory
        case .symlink: kind = .symlink(target: e.linkTarget)
        case .characterDevice: kind = .characterDevice(major: e.deviceMajor, minor: e.deviceMinor)
        case .blockDevice: kind = .blockDevice(major: e.deviceMajor, minor: e.deviceMinor)
        case .fifo: kind = .fifo
        case .socket: kind = .socket
        case .hardlink: preconditionFailure("hard links share an inode")
        }
        return Inode(kind: kind, metadata: e.metadata)
    }

    // MARK: - Where a path stands

    private enum Location {
        case hidden
        case place(parent: MergeNode, existing: MergeNode?)
    }

    /// Walks the path through the tree built by the layers above (and earlier in this layer),
    /// creating implied parent directories on the way.
    private func locate(_ path: TreePath, _ entry: LayerEntry) throws -> Location {
        if opaque.contains(.root) { return .hidden }
        var node = root
        var prefix = TreePath.root
        for (i, name) in path.components.enumerated() {
            prefix.components.append(name)
            if !deleted.isEmpty, deleted.contains(prefix) { return .hidden }
            if i == path.components.count - 1 { return .place(parent: node, existing: node.children[name]) }
            if !opaque.isEmpty, opaque.contains(prefix) { return .hidden }
            guard let child = node.children[name] else {
                let implied = MergeNode(name: name, state: .implicitDirectory, layer: layer)
                node.children[name] = implied
                node = implied
                continue
            }
            switch child.state {
            case .implicitDirectory:
                node = child
            case .pendingLink:
                return .hidden
            case .present:
                if child.isDirectory { node = child; continue }
                if child.layer == layer, case .symlink = child.inode!.kind {
                    throw unsafe(path, "its parent \(prefix) is a symbolic link; extracting it would write outside the image")
                }
                return .hidden
            }
        }
        return .hidden
    }

    private func normalize(_ raw: [UInt8], entry: [UInt8]) throws -> TreePath {
        if raw.first == UInt8(ascii: "/") {
            throw unsafe(raw, "absolute paths would escape the image root")
        }
        guard raw.count <= TreeLimits.pathBytes else {
            throw unsafe(Array(raw.prefix(80)) + Array("...".utf8), "a path of \(raw.count) bytes; Vessel takes at most \(TreeLimits.pathBytes) (Linux's PATH_MAX)")
        }
        var parts: [FileName] = []
        for part in raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                throw unsafe(entry, "\"..\" would escape the image root")
            }
            parts.append(FileName(Array(part)))
        }
        guard parts.count <= TreeLimits.depth else {
            throw unsafe(Array(raw.prefix(80)) + Array("...".utf8), "\(parts.count) directories deep; Vessel takes at most \(TreeLimits.depth)")
        }
        return TreePath(parts)
    }

    private func unsafe(_ path: TreePath, _ reason: String) -> ImageError {
        .unsafePath(layer: label, path: String(path.description.dropFirst()), reason: reason)
    }

    private func unsafe(_ raw: [UInt8], _ reason: String) -> ImageError {
        .unsafePath(layer: label, path: String(decoding: raw, as: UTF8.self), reason: reason)
    }

    /// The finished tree, built without recursion (no tree can exhaust the stack).
    private func build(_ top: MergeNode) -> TreeNode {
        func made(_ n: MergeNode) -> TreeNode {
            TreeNode(name: n.name, inode: n.inode ?? Inode(kind: .directory, metadata: implicitDirectory))
        }
        let root = made(top)
        var stack = [(top, root)]
        while let (n, node) = stack.popLast() {
            guard node.inode.isDirectory else { continue }
            for child in n.children.values {
                let c = made(child)
                node.setChild(c)
                stack.append((child, c))
            }
        }
        return root
    }

    private static let whiteoutPrefix = Array(".wh.".utf8)
    private static let opaqueMarker = Array(".wh..wh..opq".utf8)
}

/// A path while layers are being merged.
final class MergeNode {
    enum State { case present, implicitDirectory, pendingLink }
    let name: FileName
    var state: State
    var inode: Inode?
    var children: [FileName: MergeNode] = [:]
    /// The layer that decided this node; higher is further up.
    var layer: Int

    init(name: FileName, state: State, layer: Int) {
        self.name = name
        self.state = state
        self.layer = layer
    }

    var isDirectory: Bool { state == .implicitDirectory || (state == .present && inode?.isDirectory == true) }

    func fill(_ inode: Inode, layer: Int) {
        self.inode = inode
        state = .present
        self.layer = layer
    }

    func resolve(_ inode: Inode) {
        self.inode = inode
        state = .present
    }

    func adoptChildren(of other: MergeNode) { children = other.children }
}

struct PendingLink {
    let node: MergeNode
    let path: TreePath
    let layer: String
}

struct HiddenEntry {
    let entry: LayerEntry
    let spilled: SpillFile.Range?
}
