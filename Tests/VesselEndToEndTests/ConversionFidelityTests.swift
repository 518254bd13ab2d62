import XCTest

/// Every transport of the hand-made image, and every edge-case image, converted as a non-root
/// user, equals the tree `umoci unpack` (as root) made: paths, types, modes, owners, sizes,
/// link targets, hard-link groups, xattrs, contents.
final class ConversionFidelityTests: XCTestCase {
    func testTinyFromOCILayout() throws {
        try Harness.assertConvertsExactly("oci:" + Harness.require("oci/tiny"), reference: Harness.require("expected/tiny/rootfs"))
    }

    func testTinyFromOCIArchive() throws {
        try Harness.assertConvertsExactly("oci-archive:" + Harness.require("oci-archive/tiny.tar"),
                                          reference: Harness.require("expected/tiny/rootfs"))
    }

    func testTinyFromDockerArchive() throws {
        try Harness.assertConvertsExactly("docker-archive:" + Harness.require("docker-archive/tiny.tar") + ":corpus/tiny:latest",
                                          reference: Harness.require("expected/tiny/rootfs"))
    }

    func testPlainPathIsDetected() throws {
        try Harness.assertConvertsExactly(Harness.require("docker-archive/tiny.tar"), reference: Harness.require("expected/tiny/rootfs"))
        try Harness.assertConvertsExactly(Harness.require("oci/tiny"), reference: Harness.require("expected/tiny/rootfs"))
    }

    /// Hard links within a layer, across layers, to a target a later layer deletes, to a symlink.
    func testHardLinks() throws { try edge("links") }

    /// A directory replaced by a file and back; a file replaced by a directory.
    func testFileDirectoryReplacement() throws { try edge("replace") }

    /// Opaque directories with entries in the same layer; a deleted directory recreated.
    func testOpaqueDirectories() throws { try edge("opaque") }

    /// Devices, FIFO, all mode bits, large ids, xattrs, long and non-UTF-8 names, duplicates.
    func testSpecialFiles() throws { try edge("specials") }

    private func edge(_ name: String) throws {
        try Harness.assertConvertsExactly("oci:" + Harness.require("edge/\(name)"), reference: Harness.require("expected-edge/\(name)/rootfs"))
    }
}
