import VesselSpankRequest
import CVesselSpank
import VesselBasics
#if canImport(Glibc)
import Glibc
#endif

/// The submitting side: `vessel resolve IMAGE` turns any image source into a SquashFS file,
/// pulled or converted into the shared cache once (its progress lines go to the user's terminal
/// or batch log), before the job is queued.
enum Submission {
    static func resolve(_ image: String, config: PluginConfig) throws -> String {
        var fds: [Int32] = [-1, -1]
        guard vessel_spank_pipe(&fds) == 0 else { throw OptionError("cannot make a pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var env = Environment.current
        if let cache = config.cache { env["VESSEL_CACHE"] = cache }
        // Progress as lines, which read well in a batch log and on a terminal alike.
        env["VESSEL_PROGRESS"] = "lines"
        let args = [config.runtime, "resolve", image]
        var pid: pid_t = 0
        let rc = withCStrings(args) { argv in
            withCStrings(env.strings) { envp in posix_spawn(&pid, config.runtime, &actions, nil, argv, envp) }
        }
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw OptionError("cannot run \(config.runtime): \(String(cString: strerror(rc))) (set runtime= in plugstack.conf)")
        }
        let output = readAll(fds[0], limit: 1 << 20)
        close(fds[0])
        guard Syscall.wait(pid)?.status == 0 else { throw OptionError("the image could not be resolved (see the message above)") }
        let path = output.split(separator: "\n").last.map(String.init) ?? ""
        guard path.hasPrefix("/") else { throw OptionError("\(config.runtime) resolve printed no path") }
        return path
    }
}

/// The process environment as a dictionary, and back.
struct Environment {
    var values: [String: String] = [:]
    var order: [String] = []

    init(_ list: [String]) {
        for e in list {
            guard let eq = e.firstIndex(of: "=") else { continue }
            self[String(e[..<eq])] = String(e[e.index(after: eq)...])
        }
    }

    static var current: Environment {
        var list: [String] = []
        var p = environ
        while let e = p.pointee { list.append(String(cString: e)); p += 1 }
        return Environment(list)
    }

    subscript(key: String) -> String? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { order.append(key) }
            values[key] = newValue
            if newValue == nil { order.removeAll { $0 == key } }
        }
    }

    var strings: [String] { order.map { "\($0)=\(values[$0]!)" } }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in ptrs { free(p) } }
    return ptrs.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

/// What `fd` holds (to its end, or what it has now when non-blocking), at most `limit` bytes:
/// past that, what came first.
func readAll(_ fd: Int32, limit: Int) -> String {
    String(decoding: Syscall.readAll(fd, limit: limit) ?? [], as: UTF8.self)
}
