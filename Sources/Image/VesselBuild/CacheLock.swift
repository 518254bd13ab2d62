import Foundation
import VesselImage
import VesselOCI

/// A lock between processes on any host that shares the cache, NFS and Lustre included: a file
/// created with O_EXCL (atomic on both, unlike flock on some Lustre mounts), holding the owner's
/// host and pid, whose mtime the owner refreshes while it works. A lock is stale, and is broken,
/// when its owner is a dead process on this host, or when it has not been refreshed for
/// `staleAfter` seconds (the owner's node died).
public final class CacheLock {
    public let path: String
    private let fd: Int32
    private var heartbeat: Thread?
    private let stop = NSCondition()
    private var stopped = false

    public static var staleAfter: Double = 120
    static let refreshEvery: Double = 15

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Waits for the lock; `waiting` is told once who holds it.
    public static func acquire(_ path: String, waiting: (String) -> Void) throws -> CacheLock {
        var announced = false
        var pause = 0.05
        while true {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let owner = "\(hostName) \(getpid()) \(Int(Date().timeIntervalSince1970))\n"
                _ = owner.withCString { write(fd, $0, strlen($0)) }
                let lock = CacheLock(path: path, fd: fd)
                lock.startHeartbeat()
                return lock
            }
            guard errno == EEXIST else { throw CacheError.io(path, reason: String(cString: strerror(errno))) }
            guard let holder = Holder(path: path) else { continue }  // released meanwhile
            if holder.isStale {
                breakStale(path, holder: holder)
                continue
            }
            if !announced {
                waiting("\(holder.host) pid \(holder.pid)")
                announced = true
            }
            usleep(UInt32(pause * 1_000_000))
            pause = min(pause * 1.5, 1)
        }
    }

    public func release() {
        stop.lock()
        let already = stopped
        stopped = true
        stop.signal()
        stop.unlock()
        guard !already else { return }
        unlink(path)
        close(fd)
    }

    private func startHeartbeat() {
        let t = Thread { [weak self] in
            while let self {
                self.stop.lock()
                if !self.stopped { _ = self.stop.wait(until: Date().addingTimeInterval(Self.refreshEvery)) }
                let done = self.stopped
                self.stop.unlock()
                if done { return }
                futimens(self.fd, nil)
            }
        }
        t.start()
        heartbeat = t
    }

    /// Who holds a lock, as its file says.
    struct Holder: Equatable {
        let host: String
        let pid: Int32
        let content: String
        let age: Double

        init?(path: String) {
            // A lock file is only read, and only if it is a regular file: in a shared cache a
            // FIFO or a link under a lock's name must not block or redirect the reader.
            var st = stat()
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 512)
            guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
            let n = read(fd, &buffer, buffer.count)
            guard n >= 0 else { return nil }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            let parts = text.split(separator: " ")
            host = parts.first.map(String.init) ?? "?"
            pid = parts.count > 1 ? Int32(parts[1]) ?? 0 : 0
            content = text
            age = Date().timeIntervalSince1970 - (Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        }

        var isStale: Bool {
            // A lock just created may not hold its owner line yet.
            if content.isEmpty { return age > CacheLock.staleAfter }
            if host == CacheLock.hostName, pid > 0, kill(pid, 0) != 0, errno == ESRCH { return true }
            return age > CacheLock.staleAfter
        }
    }

    /// Moves the stale lock aside under a unique name; only if what was moved is the lock judged
    /// stale is it removed, so that two breakers racing cannot remove a fresh lock.
    private static func breakStale(_ path: String, holder: Holder) {
        let aside = path + ".stale-\(hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard rename(path, aside) == 0 else { return }
        if let moved = Holder(path: aside), moved.content != holder.content {
            // Someone's fresh lock: put it back (link fails if a newer one exists meanwhile).
            link(aside, path)
        }
        unlink(aside)
    }

    static var hostName: String { SmallFile.hostName }
}
