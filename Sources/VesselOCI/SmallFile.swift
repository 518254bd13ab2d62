import Foundation

/// Small files (records, keys, credentials) replaced atomically: written under a temporary name
/// unique to this host and process, synced, then renamed over the target, so that readers, also
/// on other nodes of a shared file system, see the old file or the new one, never a part.
public enum SmallFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to path: String, mode: mode_t = 0o666) throws {
        let tmp = path + ".tmp-\(hostName)-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoString()) }
        let data = Array(bytes)
        let ok = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count } && fsync(fd) == 0
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
