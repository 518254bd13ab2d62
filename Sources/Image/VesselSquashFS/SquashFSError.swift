import CSquashFS
import Glibc

public enum SquashFSError: Error, CustomStringConvertible {
    /// A libsquashfs call failed; `errno` is kept for I/O errors (a full disk says so).
    case library(path: String, doing: String, code: Int32, errno: Int32)
    case notSquashFS(path: String, reason: String)
    case missing(path: String, inside: String)
    case unsupportedOption(String)
    /// A SIF file Vessel cannot serve (no SquashFS root partition, a malformed header).
    case sif(path: String, reason: String)

    public var description: String {
        switch self {
        case .library(let path, let doing, let code, let err):
            return "\(path): \(doing) failed: \(SquashFSError.explain(code, err))"
        case .notSquashFS(let path, let reason):
            return "\(path): not a SquashFS image (\(reason))"
        case .missing(let file, let image):
            return "\(image): has no \(file)"
        case .unsupportedOption(let s):
            return s
        case .sif(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    static func explain(_ code: Int32, _ err: Int32) -> String {
        switch code {
        case SQFS_ERROR_ALLOC.rawValue: return "out of memory"
        case SQFS_ERROR_IO.rawValue: return err != 0 ? String(cString: strerror(err)) : "input/output error"
        case SQFS_ERROR_COMPRESSOR.rawValue: return "compressor error"
        case SQFS_ERROR_CORRUPTED.rawValue: return "corrupted data"
        case SQFS_ERROR_UNSUPPORTED.rawValue: return "unsupported feature"
        case SQFS_ERROR_OVERFLOW.rawValue: return "numeric overflow"
        case SQFS_ERROR_OUT_OF_BOUNDS.rawValue: return "location out of bounds"
        case SQFS_ERROR_NO_ENTRY.rawValue: return "no such entry"
        case SQFS_ERROR_NOT_DIR.rawValue: return "not a directory"
        case SQFS_ERROR_NOT_FILE.rawValue: return "not a regular file"
        default: return "libsquashfs error \(code)"
        }
    }
}

/// Runs a libsquashfs call and turns a negative result into a typed error.
@discardableResult
func check(_ rc: Int32, _ path: String, _ doing: String) throws -> Int32 {
    if rc < 0 { throw SquashFSError.library(path: path, doing: doing, code: rc, errno: errno) }
    return rc
}
