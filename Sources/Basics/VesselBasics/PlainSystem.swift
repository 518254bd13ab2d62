#if canImport(Glibc)
import Glibc
#endif

/// Small files, paths and the process environment through plain system calls. A container
/// start uses each once or twice, and the first use of Foundation's versions costs more than
/// the work (String(contentsOfFile:) 0.4 ms, ProcessInfo's environment 0.15 ms, FileManager
/// 0.1 ms, a standardised URL 0.08 ms on the benchmark machine: BENCHMARKS.md, run).
public enum PlainSystem {
    /// Where another of Vessel's programs is, from this program's real file (symbolic links
    /// followed): beside it in a build directory, or in ../libexec/vessel/ as a package installs
    /// them (/usr/bin/vessel, /usr/libexec/vessel/vessel-cli). The first place when neither has it.
    public static func companion(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        let exe = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = exe.lastIndex(of: "/") else { return nil }
        let dir = String(exe[...slash])
        let candidates = [dir + name, dir + "../libexec/vessel/" + name]
        return candidates.first { access($0, X_OK) == 0 } ?? candidates[0]
    }

    /// This machine's architecture as OCI images and SIF files name it (Go's names: amd64, arm64).
    public static var hostArchitecture: String {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return goArchitecture(machine)
    }

    /// Go's name for an architecture given as uname or Debian name it.
    public static func goArchitecture(_ a: String) -> String {
        switch a {
        case "x86_64", "x86-64": return "amd64"
        case "aarch64": return "arm64"
        case "i386", "i686": return "386"
        case "armv7l", "armhf": return "arm"
        default: return a
        }
    }

    /// A small file's text (invalid UTF-8 repaired), or nil when it cannot be read.
    public static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A small file's bytes, or nil when it cannot be read.
    public static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return Syscall.readAll(fd)
    }

    /// The names in a directory, without "." and "..", or nil when it cannot be listed.
    public static func directoryNames(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        return names(in: dir)
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

    /// The names in an open directory stream, without "." and "..", in the order it gives them.
    public static func names(in stream: OpaquePointer) -> [String] {
        var names: [String] = []
        while let e = readdir(stream) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
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
