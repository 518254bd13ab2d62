import Foundation

/// Everything that can be wrong with an image source. Each message names the thing and the
/// cause on one line, so that a batch log shows what to fix.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case sourceNotFound(String)
    case unrecognizedSource(String)
    case unsupportedTransport(String)
    case invalidLayout(String, reason: String)
    case imageNotFound(String, available: [String], in: String)
    case noMatchingPlatform(wanted: String, available: [String])
    case blobMissing(String, in: String)
    case digestMismatch(String, expected: String, actual: String)
    case sizeMismatch(String, expected: Int64, actual: Int64)
    case unsupportedMediaType(String, for: String)
    case invalidJSON(String, reason: String)
    case corruptLayer(String, reason: String)
    case unsafePath(layer: String, path: String, reason: String)
    case hardLinkTargetMissing(layer: String, path: String, target: String)
    case io(String, reason: String)

    public var description: String {
        switch self {
        case .sourceNotFound(let s):
            return "\(s): no such file or directory"
        case .unrecognizedSource(let s):
            return "\(s): not an image source (use oci:DIR[:TAG|@DIGEST], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], sif:FILE, or a path to one of them)"
        case .unsupportedTransport(let s):
            return "\(s): this transport is not supported yet"
        case .invalidLayout(let s, let reason):
            return "\(s): not a valid image: \(reason)"
        case .imageNotFound(let want, let available, let place):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "\(place): no image \(want) (available: \(list))"
        case .noMatchingPlatform(let wanted, let available):
            return "no image for platform \(wanted) (the index offers: \(available.joined(separator: ", "))); choose one with --arch"
        case .blobMissing(let d, let place):
            return "blob \(d) is missing from \(place)"
        case .digestMismatch(let what, let expected, let actual):
            return "\(what): digest mismatch: expected \(expected), got \(actual) (the blob is corrupt or was altered)"
        case .sizeMismatch(let what, let expected, let actual):
            return "\(what): size mismatch: expected \(expected) bytes, found \(actual)"
        case .unsupportedMediaType(let type, let what):
            return "\(what): unsupported media type \(type)"
        case .invalidJSON(let what, let reason):
            return "\(what): invalid JSON: \(reason)"
        case .corruptLayer(let what, let reason):
            return "layer \(what): corrupt or truncated: \(reason)"
        case .unsafePath(let layer, let path, let reason):
            return "layer \(layer): refusing entry \"\(path)\": \(reason)"
        case .hardLinkTargetMissing(let layer, let path, let target):
            return "layer \(layer): hard link \"\(path)\" points to \"\(target)\", which no layer provides"
        case .io(let what, let reason):
            return "\(what): \(reason)"
        }
    }
}

func errnoString(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
