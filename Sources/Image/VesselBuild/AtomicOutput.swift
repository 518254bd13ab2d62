import Foundation
import VesselImage

/// An output file that appears complete or not at all. Where the file system allows it, the
/// data goes to an O_TMPFILE inode that has no name until `commit` links it in, so not even a
/// SIGKILL leaves anything behind. Elsewhere (NFS) it is a hidden temporary name in the target
/// directory, removed on failure and on SIGINT, SIGTERM, SIGHUP.
public final class AtomicOutput {
    public let finalPath: String
    public let directory: String
    /// The path to hand to a writer: /proc/self/fd/N for a nameless file, else the temporary name.
    public let writePath: String
    private let anonymousFD: Int32
    private let temporaryName: String?
    private var committed = false

    public init(path: String, replace: Bool) throws {
        finalPath = path
        let url = URL(fileURLWithPath: path)
        directory = url.deletingLastPathComponent().path
        if !replace, FileManager.default.fileExists(atPath: path) {
            throw BuildError.outputExists(path)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw BuildError.output(path, reason: "directory \(directory) does not exist")
        }
        let mask = umask(0)
        umask(mask)
        let mode = mode_t(0o666) & ~mask
        let fd = open(directory, Self.O_TMPFILE | O_RDWR | O_CLOEXEC, mode)
        if fd >= 0 {
            anonymousFD = fd
            temporaryName = nil
            writePath = "/proc/self/fd/\(fd)"
            return
        }
        if errno == EACCES || errno == EROFS || errno == ENOSPC || errno == EDQUOT {
            throw BuildError.output(path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        anonymousFD = -1
        let name = try Self.makeTemporary(in: directory, base: url.lastPathComponent, mode: mode)
        temporaryName = name
        writePath = name
        SignalCleanup.register(name)
    }

    deinit {
        if !committed { discard() }
        if anonymousFD >= 0 { close(anonymousFD) }
    }

    public func commit() throws {
        let fd = anonymousFD >= 0 ? anonymousFD : open(writePath, O_RDONLY | O_CLOEXEC)
        if fd >= 0, fsync(fd) != 0 {
            throw BuildError.output(finalPath, reason: String(cString: strerror(errno)))
        }
        if anonymousFD < 0, fd >= 0 { close(fd) }
        var name = temporaryName
        if name == nil {
            // Give the nameless file a hidden name for an instant, then rename it over the target,
            // which replaces an existing file atomically.
            let candidate = directory + "/.\(URL(fileURLWithPath: finalPath).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard linkat(AT_FDCWD, writePath, AT_FDCWD, candidate, AT_SYMLINK_FOLLOW) == 0 else {
                throw BuildError.output(finalPath, reason: String(cString: strerror(errno)))
            }
            name = candidate
        }
        guard rename(name!, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(name!)
            throw BuildError.output(finalPath, reason: reason)
        }
        committed = true
        SignalCleanup.unregister()
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    public func discard() {
        if let name = temporaryName { unlink(name) }
        SignalCleanup.unregister()
    }

    /// Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Glibc's macro does not reach Swift.
    static let O_TMPFILE: Int32 = 0o20000000 | O_DIRECTORY

    private static func makeTemporary(in directory: String, base: String, mode: mode_t) throws -> String {
        var template = Array((directory + "/." + base + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw BuildError.output(directory + "/" + base, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, mode)  // mkstemp makes 0600; an image is meant to be shared
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// Removes a named temporary output when the build is interrupted (Ctrl-C, scancel, a time limit).
enum SignalCleanup {
    private static var path: UnsafeMutablePointer<CChar>?

    static func register(_ p: String) {
        path = strdup(p)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig) { sig in
                if let p = SignalCleanup.path { unlink(p) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func unregister() {
        let p = path
        path = nil
        free(p)
    }
}
