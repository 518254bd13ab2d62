import CSquashFS
import Glibc
import VesselTree

/// Writes a SquashFS 4.0 image with libsquashfs: file data streams in through `ContentSink`
/// (compressed on all cores, zero blocks made sparse, duplicate blocks and fragments stored
/// once); the tree is serialized at the end. Output is a function of the input alone: data in
/// the order it arrived, directories sorted by name bytes, inodes numbered in tree order.
public final class SquashFSWriter: ContentSink {
    public struct Statistics: Sendable {
        public let inputBytes: UInt64
        public let inodes: UInt32
        public let imageBytes: UInt64
    }

    private let path: String
    private let file: UnsafeMutablePointer<sqfs_file_t>
    private let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    private let blockWriter: UnsafeMutablePointer<sqfs_block_writer_t>
    private let fragments: OpaquePointer
    private let processor: OpaquePointer
    private var superblock = sqfs_super_t()
    private var slots: [UnsafeMutablePointer<UnsafeMutablePointer<sqfs_inode_generic_t>?>] = []
    private var currentSize: UInt64 = 0
    private var finished = false
    /// Called for xattrs SquashFS cannot store (only user., trusted. and security. exist there).
    public var warn: (String) -> Void = { _ in }

    /// - Parameters:
    ///   - path: where to write (may be /proc/self/fd/N of a nameless file).
    ///   - displayPath: what error messages call the output.
    public init(path openPath: String, displayPath: String, options: CompressionOptions, workers: Int, timestamp: UInt32) throws {
        self.path = displayPath
        guard let f = sqfs_open_file(openPath, UInt32(SQFS_FILE_OPEN_OVERWRITE.rawValue)) else {
            throw SquashFSError.library(path: path, doing: "creating the image", code: SQFS_ERROR_IO.rawValue, errno: errno)
        }
        file = f
        var cfg = sqfs_compressor_config_t()
        try check(sqfs_compressor_config_init(&cfg, options.algorithm.id, Int(options.blockSize), 0), path, "configuring the compressor")
        if let level = options.level { cfg.level = UInt32(level) }
        var cmp: UnsafeMutablePointer<sqfs_compressor_t>?
        let rc = sqfs_compressor_create(&cfg, &cmp)
        guard rc == 0, let cmp else {
            vessel_destroy(f)
            throw SquashFSError.library(path: path, doing: "creating the \(options.algorithm.rawValue) compressor", code: rc, errno: 0)
        }
        compressor = cmp
        try check(sqfs_super_init(&superblock, Int(options.blockSize), timestamp, options.algorithm.id), path, "initializing the super block")
        try check(sqfs_super_write(&superblock, f), path, "writing the super block")
        if try check(cmp.pointee.write_options(cmp, f), path, "writing compressor options") > 0 {
            superblock.flags |= UInt16(SQFS_FLAG_COMPRESSOR_OPTIONS.rawValue)
        }
        guard let bw = sqfs_block_writer_create(f, Int(SQFS_DEVBLK_SIZE), 0),
              let ft = sqfs_frag_table_create(0) else {
            throw SquashFSError.library(path: path, doing: "setting up", code: SQFS_ERROR_ALLOC.rawValue, errno: 0)
        }
        blockWriter = bw
        fragments = ft
        var desc = sqfs_block_processor_desc_t()
        desc.size = UInt32(MemoryLayout<sqfs_block_processor_desc_t>.size)
        desc.max_block_size = UInt32(options.blockSize)
        desc.num_workers = UInt32(max(1, workers))
        desc.max_backlog = UInt32(max(1, workers) * 10)
        desc.cmp = cmp
        desc.wr = bw
        desc.tbl = ft
        var proc: OpaquePointer?
        try check(sqfs_block_processor_create_ex(&desc, &proc), path, "starting the compressor threads")
        processor = proc!
    }

    deinit {
        vessel_destroy(UnsafeMutableRawPointer(processor))
        for slot in slots {
            free(slot.pointee)
            slot.deallocate()
        }
        vessel_destroy(UnsafeMutableRawPointer(fragments))
        vessel_destroy(blockWriter)
        vessel_destroy(compressor)
        vessel_destroy(file)
    }

    // MARK: ContentSink

    public func beginFile() throws {
        let slot = UnsafeMutablePointer<UnsafeMutablePointer<sqfs_inode_generic_t>?>.allocate(capacity: 1)
        slot.initialize(to: nil)
        slots.append(slot)
        currentSize = 0
        try check(sqfs_block_processor_begin_file(processor, slot, nil, 0), path, "writing file data")
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        currentSize += UInt64(bytes.count)
        try check(sqfs_block_processor_append(processor, bytes.baseAddress, bytes.count), path, "writing file data")
    }

    public func endFile() throws -> ContentRef {
        try check(sqfs_block_processor_end_file(processor), path, "writing file data")
        return ContentRef(index: slots.count - 1, size: currentSize)
    }

    // MARK: Finishing

    /// Waits for the data, then writes inodes, directories, fragment, export, id and xattr
    /// tables and the final super block, padded to 4 KiB so that loop devices can mount it.
    public func finish(tree: FileTree) throws -> Statistics {
        precondition(!finished)
        finished = true
        try check(sqfs_block_processor_finish(processor), path, "writing file data")
        let input = sqfs_block_processor_get_stats(processor).pointee.input_bytes_read
        let serializer = try TreeSerializer(path: path, file: file, compressor: compressor, slots: slots, warn: warn)
        let (rootNumber, rootRef, count) = try serializer.write(tree, into: &superblock)
        superblock.inode_count = count
        try check(sqfs_frag_table_write(fragments, file, &superblock, compressor), path, "writing the fragment table")
        try serializer.writeTables(rootNumber: rootNumber, rootRef: rootRef, into: &superblock)
        superblock.bytes_used = file.pointee.get_size(file)
        try check(sqfs_super_write(&superblock, file), path, "writing the super block")
        let used = superblock.bytes_used
        let pad = (4096 - used % 4096) % 4096
        if pad > 0 {
            let zeros = [UInt8](repeating: 0, count: Int(pad))
            try check(zeros.withUnsafeBytes { file.pointee.write_at(file, used, $0.baseAddress, $0.count) }, path, "padding the image")
        }
        return Statistics(inputBytes: input, inodes: count, imageBytes: used + pad)
    }
}
