#if canImport(Glibc)
import Glibc
#endif

/// A directory that keeps a container's writes from one start to the next (`vessel exec
/// --overlay DIR`, and each named container of the Slurm plugin):
///
///     DIR/upper   the overlay's upper layer: what the container wrote
///     DIR/work    the overlay's work directory
///     DIR/image   the image it lies over: its absolute path, then its size in bytes
///     DIR/made    what Vessel itself put in upper (mount points, /etc/passwd, ...), which a
///                 saved image leaves out (`MadeEntries`)
///
/// The runtime writes `image` on the first start; the plugin reads it when a step names a
/// container but no image.
public struct OverlayDirectory: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var upper: String { path + "/upper" }
    public var work: String { path + "/work" }
    public var imageRecord: String { path + "/image" }
    public var made: String { path + "/made" }

    /// The image a used directory lies over, and that image's size then.
    public struct Base: Equatable, Sendable {
        public var image: String
        public var size: Int64
        public init(image: String, size: Int64) { self.image = image; self.size = size }

        public var text: String { "\(image)\n\(size)\n" }

        public init?(text: String) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 2, lines[0].hasPrefix("/"), let size = Int64(lines[1]) else { return nil }
            image = String(lines[0])
            self.size = size
        }
    }

    /// What `image` says, or nil when the directory has not been used (or the record is not one).
    public func base() -> Base? {
        let fd = open(imageRecord, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let n = read(fd, &bytes, bytes.count)
        guard n > 0 else { return nil }
        return Base(text: String(decoding: bytes[0..<n], as: UTF8.self))
    }
}

/// The entries Vessel made in an upper layer, each with the inode number, modification time
/// and size it had then: one whose inode or time has changed since was rewritten inside the
/// container, and is the container's. One line each: PATH NUL INODE SP MTIME_NS SP SIZE.
public struct MadeEntries: Equatable, Sendable {
    public struct Stamp: Equatable, Sendable {
        public var inode: UInt64
        public var mtimeNanoseconds: Int64
        public var size: Int64
        public init(inode: UInt64, mtimeNanoseconds: Int64, size: Int64) {
            self.inode = inode
            self.mtimeNanoseconds = mtimeNanoseconds
            self.size = size
        }
    }

    public var entries: [String: Stamp] = [:]

    public init() {}

    public init(text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\0", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let numbers = parts[1].split(separator: " ").compactMap { Int64($0) }
            guard numbers.count == 3 else { continue }
            entries[String(parts[0])] = Stamp(inode: UInt64(bitPattern: numbers[0]), mtimeNanoseconds: numbers[1], size: numbers[2])
        }
    }

    public var text: String {
        entries.keys.sorted().map { p in
            let s = entries[p]!
            return "\(p)\0\(Int64(bitPattern: s.inode)) \(s.mtimeNanoseconds) \(s.size)\n"
        }.joined()
    }

    /// The stamp of `path` (in `upper`) as it is now, without following a symbolic link.
    public static func stamp(of path: String) -> Stamp? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Stamp(inode: UInt64(st.st_ino), mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                     size: Int64(st.st_size))
    }

    /// Whether `path` (relative to the layer, "/etc/passwd") is still as Vessel left it.
    public func isUnchanged(_ path: String, now: Stamp?) -> Bool {
        guard let now, let then = entries[path] else { return false }
        return now == then
    }
}
