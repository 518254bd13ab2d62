import Foundation

/// An output file that appears complete or not at all: written under a temporary name in the
/// target directory, renamed into place at the end, removed on failure or on a signal.
public final class AtomicOutput {
    public let finalPath: String
    public let temporaryPath: String
    public let directory: String
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
        var template = Array((directory + "/." + url.lastPathComponent + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw BuildError.output(path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))") }
        // mkstemp makes 0600; an image is meant to be shared, so honour the umask as any new file would.
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        close(fd)
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        SignalCleanup.register(temporaryPath)
    }

    deinit { if !committed { discard() } }

    public func commit() throws {
        let fd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            let rc = fsync(fd)
            let err = errno
            close(fd)
            if rc != 0 { throw BuildError.output(finalPath, reason: String(cString: strerror(err))) }
        }
        guard rename(temporaryPath, finalPath) == 0 else {
            throw BuildError.output(finalPath, reason: String(cString: strerror(errno)))
        }
        committed = true
        SignalCleanup.unregister()
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    public func discard() {
        unlink(temporaryPath)
        SignalCleanup.unregister()
    }
}

/// Removes the temporary output when the build is interrupted (Ctrl-C, scancel, a time limit).
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
