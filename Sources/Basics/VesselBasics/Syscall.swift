#if canImport(Glibc)
import Glibc
#endif

/// The one place a system call is retried when a signal interrupted it (EINTR), and the loops
/// every module needs around read(2) and write(2). Glibc only: the Slurm plugin and the static
/// front link it.
public enum Syscall {
    /// `body`'s result, calling it again for as long as it fails with EINTR; any other failure
    /// is returned as it is (-1, with errno set).
    @inlinable
    public static func retrying<T: BinaryInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r >= 0 || errno != EINTR { return r }
        }
    }

    /// Writes all of `bytes` to `fd`. False when a write fails (errno set).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = retrying { write(fd, bytes.baseAddress! + done, bytes.count - done) }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads `fd` to its end (a non-blocking one: to what it holds now), at most `limit` bytes;
    /// nil when a read fails (errno set) or there is more than `limit` (errno EFBIG). Root's
    /// side of the plugin reads what a user's process wrote with a limit: the user can write
    /// to a pipe of theirs for as long as they like.
    public static func readAll(_ fd: Int32, limit: Int = Int.max) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = retrying { read(fd, &chunk, Self.want(chunk.count, room: limit - bytes.count)) }
            if n < 0 { return errno == EAGAIN ? bytes : nil }
            if n == 0 { return bytes }
            guard n <= limit - bytes.count else { errno = EFBIG; return nil }
            bytes += chunk[..<n]
        }
    }

    /// Reads `fd` to its end, waiting at most `seconds` in all, at most `limit` bytes; nil when
    /// that time passes first, a read fails, or there is more (errno ETIMEDOUT, the read's, EFBIG).
    public static func readAll(_ fd: Int32, within seconds: Double, limit: Int = Int.max) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + seconds
        while true {
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = deadline - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
            guard left > 0 else { errno = ETIMEDOUT; return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left * 1000, Double(Int32.max))) + 1)
            if ready < 0 { if errno == EINTR { continue } else { return nil } }
            if ready == 0 { continue }
            let n = retrying { read(fd, &chunk, Self.want(chunk.count, room: limit - bytes.count)) }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            guard n <= limit - bytes.count else { errno = EFBIG; return nil }
            bytes += chunk[..<n]
        }
    }

    /// How much a bounded read asks for: a chunk, or one byte past the room left, so that
    /// more than the limit shows.
    private static func want(_ chunk: Int, room: Int) -> Int { room >= chunk ? chunk : room + 1 }

    /// waitpid, retried; the status as waitpid gives it, or nil.
    public static func wait(_ pid: pid_t, options: Int32 = 0) -> (pid: pid_t, status: Int32)? {
        var status: Int32 = 0
        let r = retrying { waitpid(pid, &status, options) }
        return r < 0 ? nil : (r, status)
    }
}

/// What a failed system call's errno says, in words (strerror).
public func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
