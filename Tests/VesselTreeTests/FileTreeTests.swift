import VesselTree
import XCTest

final class FileTreeTests: XCTestCase {
    /// SquashFS needs directories sorted by bytes; Swift's String order is Unicode's, not that.
    func testNamesSortByBytes() {
        let names = ["b", "B", "a", "é", "z", "_", "A1"].map(FileName.init)
        XCTAssertEqual(names.sorted().map(\.description), ["A1", "B", "_", "a", "b", "z", "é"])
        XCTAssertTrue(FileName([0x61, 0xff]) > FileName([0x61, 0x80]))
    }

    func testWalkVisitsParentsFirstInOrder() {
        let meta = Metadata(permissions: 0o755)
        let root = TreeNode(name: FileName(""), inode: Inode(kind: .directory, metadata: meta))
        let shared = Inode(kind: .fifo, metadata: meta)
        let d = TreeNode(name: FileName("d"), inode: Inode(kind: .directory, metadata: meta))
        d.setChild(TreeNode(name: FileName("y"), inode: shared))
        root.setChild(d)
        root.setChild(TreeNode(name: FileName("c"), inode: shared))
        let tree = FileTree(root: root)
        var seen: [String] = []
        tree.walk { path, _ in seen.append(path.description) }
        XCTAssertEqual(seen, ["/", "/c", "/d", "/d/y"])
        XCTAssertEqual(tree.statistics().entries, 4)
        XCTAssertEqual(tree.statistics().inodes, 3, "a hard link shares its inode")
        XCTAssertIdentical(tree.node(at: TreePath([FileName("d"), FileName("y")]))?.inode, shared)
    }

    func testXattrsAreSortedForStableOutput() {
        let m = Metadata(permissions: 0o644, xattrs: [Xattr(name: Array("user.b".utf8), value: []),
                                                     Xattr(name: Array("security.a".utf8), value: [1])])
        XCTAssertEqual(m.xattrs.map(\.nameString), ["security.a", "user.b"])
    }
}
