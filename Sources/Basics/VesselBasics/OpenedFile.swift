#if canImport(Glibc)
import Glibc
#endif

/// A file opened once, so that what is checked is what is used: the trust policy's signature
/// check, the FUSE server, the kernel's loop device and the unpacker all read the same inode,
/// through `path` (/proc/self/fd/N reopens this descriptor's file, whatever the name it was
/// opened by now points at). Without it, swapping a signed and an unsigned file between the
/// check and the mount (rename(2) with RENAME_EXCHANGE) ran the unsigned one.
public final class OpenedFile: @unchecked Sendable {
    public enum Failure: Error, Equatable {
        case missing
        case notRegular
        case cannotOpen(String)
    }

    public let fd: Int32
    /// What the user named: for messages.
    public let name: String
    public let size: Int64

    /// Opens a regular file for reading; a directory, device or FIFO is refused without
    /// blocking on it.
    public init(_ name: String) throws {
        let fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw errno == ENOENT ? Failure.missing : Failure.cannotOpen(String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw Failure.notRegular
        }
        self.fd = fd
        self.name = name
        size = Int64(st.st_size)
    }

    deinit { close(fd) }

    /// A path that reaches this descriptor's file, for libraries that open by path.
    public var path: String { "/proc/self/fd/\(fd)" }

    /// `text` with the descriptor's path given back its user's name (libraries name what they opened).
    public func named(_ text: String) -> String {
        text.replacingAll(path, with: name)
    }
}
