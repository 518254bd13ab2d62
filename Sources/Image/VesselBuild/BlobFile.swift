import Foundation
import VesselImage
import VesselOCI
import VesselRegistry

/// A blob being downloaded into the cache: written to HEX.partial (resumed if an earlier
/// download left one), hashed as it arrives, and renamed to its digest only when the size and
/// digest are right. A corrupt blob is deleted, never cached.
final class BlobFile: BlobWriter {
    let digest: Digest
    let size: Int64
    private let partial: String
    private let final: String
    private let fd: Int32
    private var hasher = StreamingSHA256()
    private(set) var bytesHeld: Int64 = 0
    private(set) var failure: Error?
    private let progress: (Int) -> Void
    private let stop: () -> Bool
    private let cache: ImageCache

    /// The pull was called off; the partial file is kept for a later resume.
    struct Stopped: Error {}

    init(cache: ImageCache, digest: Digest, size: Int64, progress: @escaping (Int) -> Void, stop: @escaping () -> Bool = { false }) throws {
        self.stop = stop
        self.cache = cache
        self.digest = digest
        self.size = size
        self.progress = progress
        final = cache.writableBlobPath(digest)
        // Never through a link (in a cache of one's own, another process of the user's may
        // have left a partial file; one this user may not write gets a name of its own).
        var partial = final + ".partial"
        var fd = open(partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if fd < 0, errno == EACCES || errno == EPERM || errno == ELOOP {
            partial = final + ".partial-u\(getuid())"
            fd = open(partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o666)
        }
        guard fd >= 0 else { throw CacheError.io(partial, reason: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw CacheError.io(partial, reason: "not a regular file; refused")
        }
        self.partial = partial
        self.fd = fd
        try rehashExisting()
    }

    deinit { close(fd) }

    /// A partial file left by an earlier attempt: its bytes count, once hashed again.
    private func rehashExisting() throws {
        var st = stat()
        fstat(fd, &st)
        if Int64(st.st_size) > size { try restart(); return }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var off: Int64 = 0
        while off < Int64(st.st_size) {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(off)) }
            guard n > 0 else { break }
            buf.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            off += Int64(n)
        }
        bytesHeld = off
        if off > 0 { progress(Int(off)) }
    }

    func restart() throws {
        guard ftruncate(fd, 0) == 0 else { throw CacheError.io(partial, reason: String(cString: strerror(errno))) }
        hasher = StreamingSHA256()
        bytesHeld = 0
    }

    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if stop() {
            failure = Stopped()
            return false
        }
        if bytesHeld + Int64(chunk.count) > size {
            failure = ImageError.sizeMismatch("blob \(digest)", expected: size, actual: bytesHeld + Int64(chunk.count))
            discard()
            return false
        }
        var done = 0
        while done < chunk.count {
            let n = Syscall.retrying { pwrite(fd, chunk.baseAddress! + done, chunk.count - done, off_t(bytesHeld) + off_t(done)) }
            if n < 0 {
                failure = CacheError.io(partial, reason: String(cString: strerror(errno)))
                discard()
                return false
            }
            done += n
        }
        hasher.update(chunk)
        bytesHeld += Int64(chunk.count)
        progress(chunk.count)
        return true
    }

    /// Checks and publishes the blob under its digest.
    func commit() throws {
        let got = hasher.finish()
        guard bytesHeld == size, got == digest else {
            discard()
            if bytesHeld != size { throw ImageError.sizeMismatch("blob \(digest)", expected: size, actual: bytesHeld) }
            throw ImageError.digestMismatch("blob \(digest)", expected: digest.description, actual: got.description)
        }
        guard fsync(fd) == 0, rename(partial, final) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw CacheError.io(final, reason: reason)
        }
        cache.publish(digest)
    }

    /// Removes what was written (a corrupt blob, a full disk): nothing half-written stays.
    func discard() { unlink(partial) }
}
