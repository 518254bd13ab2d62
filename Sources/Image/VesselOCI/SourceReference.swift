import Foundation

/// What the user named as the image to convert, parsed but not yet opened.
public enum SourceReference: Equatable, Sendable, CustomStringConvertible {
    /// An OCI image layout directory, optionally with a tag (`ref.name`) or a manifest digest.
    case ociLayout(path: String, selector: ImageSelector?)
    /// A tar of an OCI image layout.
    case ociArchive(path: String, selector: ImageSelector?)
    /// What `docker save` and `podman save` write; `name` is `NAME:TAG` from RepoTags.
    case dockerArchive(path: String, name: String?)
    /// A registry reference (`docker://`); pulled by a later part of Vessel.
    case registry(String)
    /// An Apptainer/Singularity image file: its root partition is converted (VesselBuild).
    case sif(path: String)

    public var transport: String {
        switch self {
        case .ociLayout: return "oci"
        case .ociArchive: return "oci-archive"
        case .dockerArchive: return "docker-archive"
        case .registry: return "docker"
        case .sif: return "sif"
        }
    }

    public var description: String {
        switch self {
        case .ociLayout(let p, let s): return "oci:\(p)\(s.map { $0.suffix } ?? "")"
        case .ociArchive(let p, let s): return "oci-archive:\(p)\(s.map { $0.suffix } ?? "")"
        case .dockerArchive(let p, let n): return "docker-archive:\(p)\(n.map { ":" + $0 } ?? "")"
        case .registry(let r): return "docker://\(r)"
        case .sif(let p): return "sif:\(p)"
        }
    }

    /// Parses `TRANSPORT:PATH[...]` or a plain path whose kind is detected from its contents.
    public static func parse(_ text: String) throws -> SourceReference {
        func body(_ prefix: String) -> String? {
            text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
        }
        if let rest = body("docker://") { return .registry(rest) }
        if let rest = body("sif:") {
            guard FileManager.default.fileExists(atPath: rest) else { throw ImageError.sourceNotFound(rest) }
            return .sif(path: rest)
        }
        if let rest = body("oci:") {
            let (path, sel) = try splitPath(rest)
            return .ociLayout(path: path, selector: try sel.map(ImageSelector.parse))
        }
        if let rest = body("oci-archive:") {
            let (path, sel) = try splitPath(rest)
            return .ociArchive(path: path, selector: try sel.map(ImageSelector.parse))
        }
        if let rest = body("docker-archive:") {
            let (path, name) = try splitPath(rest)
            return .dockerArchive(path: path, name: name)
        }
        return try detect(text)
    }

    /// Splits `PATH[:SUFFIX]` where PATH may itself hold colons: the longest prefix that exists
    /// on disk is the path. A digest suffix is written `@sha256:...`.
    static func splitPath(_ s: String) throws -> (String, String?) {
        let fm = FileManager.default
        if fm.fileExists(atPath: s) { return (s, nil) }
        if let at = s.range(of: "@sha256:"), fm.fileExists(atPath: String(s[..<at.lowerBound])) {
            return (String(s[..<at.lowerBound]), String(s[at.lowerBound...]))
        }
        var idx = s.endIndex
        while let colon = s[..<idx].lastIndex(of: ":") {
            let path = String(s[..<colon])
            if fm.fileExists(atPath: path) { return (path, String(s[s.index(after: colon)...])) }
            idx = colon
        }
        throw ImageError.sourceNotFound(s)
    }

    /// A plain path: an OCI layout directory, or a tar that is an oci-archive or docker-archive.
    static func detect(_ path: String) throws -> SourceReference {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImageError.sourceNotFound(path)
        }
        if isDir.boolValue {
            if FileManager.default.fileExists(atPath: path + "/oci-layout") {
                return .ociLayout(path: path, selector: nil)
            }
            throw ImageError.unrecognizedSource(path)
        }
        guard let index = try? TarIndex(path: path) else { throw ImageError.unrecognizedSource(path) }
        if index.member("oci-layout") != nil && index.member("index.json") != nil {
            return .ociArchive(path: path, selector: nil)
        }
        if index.member("manifest.json") != nil { return .dockerArchive(path: path, name: nil) }
        throw ImageError.unrecognizedSource(path)
    }
}

/// Which image of a layout that holds several: a tag or a manifest digest.
public enum ImageSelector: Equatable, Sendable {
    case tag(String)
    case digest(Digest)

    static func parse(_ s: String) throws -> ImageSelector {
        if s.hasPrefix("@") { return .digest(try Digest(parsing: String(s.dropFirst()))) }
        return .tag(s)
    }

    var suffix: String {
        switch self {
        case .tag(let t): return ":" + t
        case .digest(let d): return "@" + d.description
        }
    }
}
