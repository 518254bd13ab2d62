import Glibc

/// An Apptainer/Singularity image file (SIF, sylabs/sif format 1): a header, a table of
/// descriptors, and data objects (partitions, signatures, the definition file, ...). Vessel
/// serves its primary SquashFS partition where it lies in the file, without copying it.
///
/// Layout (little-endian, no padding): the header is a 32-byte launch script, "SIF_MAGIC\0",
/// a 3-byte version, a 3-byte architecture, a 16-byte UUID, then eight int64s (created,
/// modified, free descriptors, total descriptors, descriptor offset, descriptor bytes, data
/// offset, data bytes). Each descriptor is 585 bytes: datatype i32, used u8, id u32, group
/// u32, link u32, offset i64, size i64, size with padding i64, created i64, modified i64,
/// uid i64, gid i64, name [128], extra [384].
public struct SIFFile: Sendable {
    public struct Descriptor: Sendable, Equatable {
        public let dataType: Int32
        public let id: UInt32
        public let linkedID: UInt32
        public let offset: Int64
        public let size: Int64
        public let name: String
        let extra: [UInt8]

        /// For a partition: its file system, partition type and architecture.
        public var partition: (fsType: Int32, partType: Int32, arch: String)? {
            guard dataType == SIFFile.partition else { return nil }
            return (Self.int32(extra, 0), Self.int32(extra, 4), SIFFile.archName(Array(extra[8..<11])))
        }

        /// For a signature: its hash and the signing entity (a PGP key fingerprint).
        public var signature: (hash: String, entity: String)? {
            guard dataType == SIFFile.signature else { return nil }
            let hashes = [1: "SHA-256", 2: "SHA-384", 3: "SHA-512", 4: "BLAKE2s", 5: "BLAKE2b"]
            let code = Int(Self.int32(extra, 0))
            return (hashes[code] ?? "hash \(code)", extra[4..<24].map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined())
        }

        static func int32(_ b: [UInt8], _ at: Int) -> Int32 {
            Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
        }
    }

    public static let partition: Int32 = 0x4004
    public static let signature: Int32 = 0x4005
    static let magicOffset: Int64 = 32
    static let headerSize = 128
    static let descriptorSize = 585

    public let descriptors: [Descriptor]
    /// The architecture the header names (Go's names: amd64, arm64, ...).
    public let arch: String

    /// SIF's architecture codes ("02\0") as Go names them.
    static func archName(_ code: [UInt8]) -> String {
        let names = ["01": "386", "02": "amd64", "03": "arm", "04": "arm64", "05": "ppc64", "06": "ppc64le", "07": "mips",
                     "08": "mipsle", "09": "mips64", "10": "mips64le", "11": "s390x", "12": "riscv64"]
        let text = String(decoding: code.prefix { $0 != 0 }, as: UTF8.self)
        return names[text] ?? "unknown"
    }

    /// True when the file at `fd` starts like a SIF file.
    public static func isSIF(fd: Int32) -> Bool {
        var magic = [UInt8](repeating: 0, count: 10)
        return pread(fd, &magic, 10, off_t(magicOffset)) == 10 && magic == Array("SIF_MAGIC\0".utf8)
    }

    /// Reads the header and the descriptors in use.
    public init(fd: Int32, name: String) throws {
        func bad(_ why: String) -> SquashFSError { .sif(path: name, reason: "a SIF file, but \(why)") }
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        guard pread(fd, &header, header.count, 0) == header.count, Array(header[32..<42]) == Array("SIF_MAGIC\0".utf8) else {
            throw bad("its header is unreadable")
        }
        func int64(_ b: [UInt8], _ at: Int) -> Int64 {
            (0..<8).reduce(Int64(0)) { $0 | Int64(b[at + $1]) << (8 * Int64($1)) }
        }
        arch = Self.archName(Array(header[45..<48]))
        let total = int64(header, 88), offset = int64(header, 96), length = int64(header, 104)
        guard total >= 0, total <= 4096, offset > 0, length == total * Int64(Self.descriptorSize) else {
            throw bad("its descriptor table is malformed (\(total) descriptors, \(length) bytes)")
        }
        var table = [UInt8](repeating: 0, count: Int(length))
        guard pread(fd, &table, table.count, off_t(offset)) == table.count else { throw bad("its descriptor table is cut short") }
        var st = stat()
        _ = fstat(fd, &st)
        var found: [Descriptor] = []
        for i in 0..<Int(total) {
            let d = Array(table[(i * Self.descriptorSize)..<((i + 1) * Self.descriptorSize)])
            guard d[4] != 0 else { continue }
            let u32 = { (at: Int) in UInt32(bitPattern: Descriptor.int32(d, at)) }
            let descriptor = Descriptor(dataType: Descriptor.int32(d, 0), id: u32(5), linkedID: u32(13),
                                        offset: int64(d, 17), size: int64(d, 25),
                                        name: String(decoding: d[73..<201].prefix { $0 != 0 }, as: UTF8.self),
                                        extra: Array(d[201..<585]))
            // Subtracted, not added: a crafted offset and size may sum past Int64.max.
            guard descriptor.offset >= 0, descriptor.size >= 0, descriptor.offset <= Int64(st.st_size),
                  descriptor.size <= Int64(st.st_size) - descriptor.offset else {
                throw bad("data object \(descriptor.id) lies outside the file")
            }
            found.append(descriptor)
        }
        descriptors = found
    }

    /// The partition Apptainer runs: the primary system partition. Refused, with the reason,
    /// when it is not plain SquashFS (ext3, encrypted), or when there is none.
    public func primaryPartition(name: String) throws -> Descriptor {
        let partitions = descriptors.filter { $0.partition != nil }
        guard let primary = partitions.first(where: { $0.partition!.partType == 2 }) else {
            throw SquashFSError.sif(path: name, reason: "a SIF file without a primary system partition (it holds \(partitions.count) partition\(partitions.count == 1 ? "" : "s"), none of them the container's root)")
        }
        switch primary.partition!.fsType {
        case 1: return primary
        case 2: throw SquashFSError.sif(path: name, reason: "a SIF file whose root partition is ext3, which Vessel does not serve; make a SquashFS one with apptainer build NEW.sif \(name)")
        case 5: throw SquashFSError.sif(path: name, reason: "a SIF file whose root partition is encrypted; Vessel does not decrypt SIF partitions (apptainer build --pem-path made it)")
        case let t: throw SquashFSError.sif(path: name, reason: "a SIF file whose root partition has file system type \(t), not SquashFS")
        }
    }

    /// Signatures, each with the id of the object it signs.
    public var signatures: [(hash: String, entity: String, signs: UInt32)] {
        descriptors.compactMap { d in d.signature.map { ($0.hash, $0.entity, d.linkedID) } }
    }
}

/// Where an image file's SquashFS lies: all of a plain SquashFS file, or a SIF file's primary
/// partition. Every reader of an image (libsquashfs, the FUSE server, the kernel's loop device)
/// starts from this, so a .sif file is served in place.
public struct ImageRegion: Sendable, Equatable {
    public let offset: Int64
    /// nil: to the end of the file.
    public let length: Int64?
    /// The SIF file's layout, for a SIF file.
    public let isSIF: Bool

    public static let whole = ImageRegion(offset: 0, length: nil, isSIF: false)

    /// The region of the open file `fd` (named `name` in messages).
    public static func of(fd: Int32, name: String) throws -> ImageRegion {
        guard SIFFile.isSIF(fd: fd) else { return .whole }
        let p = try SIFFile(fd: fd, name: name).primaryPartition(name: name)
        return ImageRegion(offset: p.offset, length: p.size, isSIF: true)
    }

    /// The region of the file at `path`.
    public static func of(path: String, name: String? = nil) throws -> ImageRegion {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .whole }  // the reader that opens it says why
        defer { close(fd) }
        return try of(fd: fd, name: name ?? path)
    }
}
