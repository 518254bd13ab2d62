import Foundation

/// Small files (records, keys, credentials) replaced atomically: written under a temporary name
/// unique to this host and process, synced, then renamed over the target, so that readers, also
/// on other nodes of a shared file system, see the old file or the new one, never a part. The
/// temporary file is made new (O_EXCL, O_NOFOLLOW, a random part in its name): in a shared
/// directory another user could have put a link under a name known in advance.
public enum SmallFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to path: String, mode: mode_t? = nil) throws {
        let tmp = path + ".tmp-\(hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode ?? 0o666)
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoString()) }
        let data = Array(bytes)
        // A mode given is set exactly, whatever the umask (0444 records in a shared cache).
        let ok = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
            && (mode.map { fchmod(fd, $0) == 0 } ?? true) && fsync(fd) == 0
        let reason = errnoString()
        close(fd)
        guard ok else { unlink(tmp); throw WriteError(path: path, reason: reason) }
        guard rename(tmp, path) == 0 else {
            let reason = errnoString()
            unlink(tmp)
            throw WriteError(path: path, reason: reason)
        }
    }

    /// This host's name, as lock files and temporary names record it.
    public static let hostName: String = {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        return String(cString: buf)
    }()
}
