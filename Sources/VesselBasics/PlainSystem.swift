#if canImport(Glibc)
import Glibc
#endif

/// Small files, paths and the process environment through plain system calls. A container
/// start uses each once or twice, and the first use of Foundation's versions costs more than
/// the work (String(contentsOfFile:) 0.4 ms, ProcessInfo's environment 0.15 ms, FileManager
/// 0.1 ms, a standardised URL 0.08 ms on the benchmark machine: BENCHMARKS.md, run).
public enum PlainSystem {
    /// A small file's text (invalid UTF-8 repaired), or nil when it cannot be read.
    public static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return Syscall.readAll(fd).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The process environment; the first of two same names wins, as getenv has it.
    public static func environment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "="), env[String(s[..<eq])] == nil {
                env[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return env
    }

    /// Whether `path` exists (following symbolic links, as FileManager.fileExists does).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func currentDirectory() -> String {
        guard let p = getcwd(nil, 0) else { return "/" }
        defer { free(p) }
        return String(cString: p)
    }

    /// `path` made absolute against the current directory, with "." and ".." taken out as
    /// written (symbolic links are not resolved), as a standardised file URL's path.
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
