import Foundation

/// The overlay's upper directory before the overlay is mounted: what Vessel adds to the image.
/// Directories made here mirror the image's modes, so the merged view looks like the image.
struct UpperLayer {
    let image: String
    let upper: String

    /// Makes `path` exist in the merged view: nothing when the image has it, else a directory
    /// (or an empty file) in the upper layer, with its parents.
    func ensure(_ path: String, directory: Bool) throws {
        var st = stat()
        if lstat(image + path, &st) == 0 { return }
        try parents(of: path)
        if directory {
            if mkdir(upper + path, 0o755) != 0 && errno != EEXIST { throw RuntimeError.setup("creating \(path)", reason: errnoText()) }
        } else {
            let fd = open(upper + path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw RuntimeError.setup("creating \(path)", reason: errnoText()) }
            close(fd)
        }
    }

    /// The parents of `path` in the upper layer, each with the mode it has in the image.
    private func parents(of path: String) throws {
        var prefix = ""
        for part in path.split(separator: "/").dropLast() {
            prefix += "/" + part
            var st = stat()
            var mode: mode_t = 0o755
            if stat(image + prefix, &st) == 0 { mode = st.st_mode & 0o7777 }
            if mkdir(upper + prefix, mode) == 0 {
                chmod(upper + prefix, mode)  // past the umask
            } else if errno != EEXIST {
                throw RuntimeError.setup("creating \(prefix)", reason: errnoText())
            }
        }
    }

    /// A file as the merged view will show it: Vessel's version if written, else the image's.
    func read(_ path: String) -> String {
        (try? String(contentsOfFile: upper + path, encoding: .utf8)) ?? (try? String(contentsOfFile: image + path, encoding: .utf8)) ?? ""
    }

    func write(_ path: String, _ text: String) throws {
        try parents(of: path)
        unlink(upper + path)
        try Sys.write(upper + path, text)
    }
}
