import CSquashFS

/// How data and metadata blocks are compressed.
public struct CompressionOptions: Equatable, Sendable, Codable {
    public enum Algorithm: String, CaseIterable, Sendable, Codable {
        case zstd, gzip, xz, lz4

        var id: SQFS_COMPRESSOR {
            switch self {
            case .zstd: return SQFS_COMP_ZSTD
            case .gzip: return SQFS_COMP_GZIP
            case .xz: return SQFS_COMP_XZ
            case .lz4: return SQFS_COMP_LZ4
            }
        }

        /// The level used when none is given, and the range accepted.
        public var defaultLevel: Int? {
            switch self {
            case .zstd: return 3
            case .gzip: return 9
            case .xz, .lz4: return nil
            }
        }

        public var levels: ClosedRange<Int>? {
            switch self {
            case .zstd: return 1...22
            case .gzip: return 1...9
            case .xz, .lz4: return nil
            }
        }
    }

    public var algorithm: Algorithm
    public var level: Int?
    public var blockSize: Int

    public static let defaultBlockSize = 128 * 1024

    public init(algorithm: Algorithm = .zstd, level: Int? = nil, blockSize: Int = defaultBlockSize) throws {
        self.algorithm = algorithm
        self.blockSize = blockSize
        guard blockSize >= 4096, blockSize <= 1 << 20, blockSize & (blockSize - 1) == 0 else {
            throw SquashFSError.unsupportedOption("block size \(blockSize): must be a power of two from 4K to 1M")
        }
        if let level {
            guard let range = algorithm.levels else {
                throw SquashFSError.unsupportedOption("\(algorithm.rawValue) takes no compression level")
            }
            guard range.contains(level) else {
                throw SquashFSError.unsupportedOption("\(algorithm.rawValue) level \(level): must be \(range.lowerBound) to \(range.upperBound)")
            }
        }
        self.level = level ?? algorithm.defaultLevel
    }
}
