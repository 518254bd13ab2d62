import Foundation
import VesselOCI

/// The MANIFEST of a result directory: one line per file, `SHA256 SIZE PATH`, sorted by path.
/// A symbolic link is listed with the hash of its target's text and size 0, so that every line
/// has three columns. Newlines and backslashes in paths are escaped (\n, \\). What was not
/// collected because it is no file (a FIFO, a socket, a device) follows as comment lines,
/// `# not collected: PATH (a FIFO)`, which readers skip.
public struct ResultManifest: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var path: String
        public var size: Int64
        public var sha256: String

        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    /// Something in /results that is not a file, a directory or a link: named, not copied.
    public struct Skipped: Equatable, Sendable {
        public var path: String
        /// "a FIFO", "a socket", "a device"
        public var kind: String

        public init(path: String, kind: String) {
            self.path = path
            self.kind = kind
        }
    }

    public static let fileName = "MANIFEST"
    public var entries: [Entry]
    public var skipped: [Skipped]

    public init(entries: [Entry], skipped: [Skipped] = []) {
        self.entries = entries.sorted { $0.path < $1.path }
        self.skipped = skipped.sorted { $0.path < $1.path }
    }

    public var text: String {
        entries.map { "\($0.sha256) \($0.size) \(Self.escape($0.path))\n" }.joined()
            + skipped.map { "# not collected: \(Self.escape($0.path)) (\($0.kind))\n" }.joined()
    }

    public init(text: String) throws {
        var list: [Entry] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let f = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard f.count == 3, f[0].count == 64, let size = Int64(f[1]) else {
                throw ResultError.badManifest("line \(n + 1) is not `SHA256 SIZE PATH`")
            }
            list.append(Entry(path: Self.unescape(f[2]), size: size, sha256: f[0]))
        }
        self.init(entries: list)
    }

    public var totalBytes: Int64 { entries.reduce(0) { $0 + $1.size } }

    static func escape(_ p: String) -> String {
        p.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ p: String) -> String {
        var out = "", escaped = false
        for c in p {
            if escaped { out.append(c == "n" ? "\n" : c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }

    /// SHA-256 of a file, streamed.
    public static func hash(_ path: String) throws -> (String, Int64) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw ResultError.io(path, String(cString: strerror(errno))) }
        defer { try? h.close() }
        var sha = StreamingSHA256()
        var size: Int64 = 0
        while true {
            let chunk = try h.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { sha.update($0) }
            size += Int64(chunk.count)
        }
        return (sha.finish().hex, size)
    }

    /// Checks every file of the manifest under `directory`; returns the problems, none when all match.
    public func verify(in directory: String) -> [String] {
        var problems: [String] = []
        for e in entries {
            let path = directory + "/" + e.path
            var st = stat()
            if lstat(path, &st) != 0 { problems.append("\(e.path): missing"); continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? ""
                if Self.hashText(target) != e.sha256 { problems.append("\(e.path): symbolic link changed") }
                continue
            }
            guard let (sum, size) = try? Self.hash(path) else { problems.append("\(e.path): unreadable"); continue }
            if size != e.size { problems.append("\(e.path): \(size) bytes, the manifest says \(e.size)") } else if sum != e.sha256 { problems.append("\(e.path): content differs from the manifest (sha256 \(sum))") }
        }
        return problems
    }

    static func hashText(_ s: String) -> String {
        Digest.of(Array(s.utf8)).hex
    }
}

public enum ResultError: Error, CustomStringConvertible, Equatable {
    case badManifest(String)
    case io(String, String)
    case exists(String)
    case verification(String)
    case notCollected(String)
    /// A results directory that cannot be made or may not be used (UserResultsDirectory).
    case refused(String)
    /// The collection ran out of the time the epilog gives it (plugstack.conf epilog-timeout=).
    case outOfTime(Double)

    public var description: String {
        switch self {
        case .badManifest(let why): return "MANIFEST: \(why)"
        case .io(let path, let why): return "\(path): \(why)"
        case .exists(let path): return "\(path) exists already; results are never overwritten"
        case .verification(let why): return "the copy does not match the original: \(why)"
        case .notCollected(let why): return why
        case .refused(let why): return why
        case .outOfTime(let seconds): return "not finished within \(Int(seconds)) s (plugstack.conf epilog-timeout=)"
        }
    }
}
