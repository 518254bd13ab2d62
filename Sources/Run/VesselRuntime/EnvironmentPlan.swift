import VesselBasics
import Glibc

/// The container's environment. Host variables pass through, except the deny list and those
/// the image sets; the image's Env applies; then --env-file, then --env. PATH comes from the
/// image (a standard PATH when it sets none), never from the host, whose directories mean
/// nothing inside; LD_LIBRARY_PATH and LD_PRELOAD from the host are dropped for the same reason.
public struct EnvironmentPlan: Equatable, Sendable {
    public static let denied: Set<String> = [
        "PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "PS1", "PROMPT_COMMAND", "BASH_ENV", "ENV",
        "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PERL5LIB", "LANGUAGE", "SHLVL", "_", "OLDPWD", "PWD",
    ]
    /// What --cleanenv keeps of the host.
    public static let kept: Set<String> = ["HOME", "USER", "LOGNAME", "TERM", "LANG", "TZ", "DISPLAY"]
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public private(set) var variables: [(String, String)] = []

    public static func == (a: EnvironmentPlan, b: EnvironmentPlan) -> Bool {
        a.variables.map { "\($0)=\($1)" } == b.variables.map { "\($0)=\($1)" }
    }

    public init(host: [String: String], image: [String], envFiles: [String], env: [String], cleanEnv: Bool,
                home: String, extra: [String: String] = [:]) throws {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values[k] == nil { order.append(k) }
            values[k] = v
        }
        for k in host.keys.sorted() {
            if Self.denied.contains(k) || k.hasPrefix("BASH_FUNC_") { continue }
            if cleanEnv && !Self.kept.contains(k) { continue }
            set(k, host[k]!)
        }
        set("HOME", home)
        for item in image {
            let (k, v) = Self.split(item)
            set(k, v)
        }
        if values["PATH"] == nil { set("PATH", Self.defaultPath) }
        for file in envFiles {
            guard let text = PlainSystem.readText(file) else {
                throw RuntimeError.badEnv("--env-file \(file)", reason: "cannot read it")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmed()
                if t.isEmpty || t.hasPrefix("#") { continue }
                let body = t.hasPrefix("export ") ? String(t.dropFirst(7)) : t
                guard body.contains("=") else {
                    throw RuntimeError.badEnv("--env-file \(file) line \(n + 1)", reason: "expected NAME=VALUE")
                }
                let (k, v) = Self.split(body)
                set(k, Self.unquote(v))
            }
        }
        for item in env {
            guard item.contains("="), !item.hasPrefix("=") else { throw RuntimeError.badEnv("--env \(item)", reason: "expected NAME=VALUE") }
            let (k, v) = Self.split(item)
            set(k, v)
        }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { set(k, v) }
        variables = order.map { ($0, values[$0]!) }
    }

    public var strings: [String] { variables.map { "\($0)=\($1)" } }

    public subscript(_ name: String) -> String? { variables.first { $0.0 == name }?.1 }

    static func split(_ s: String) -> (String, String) {
        guard let eq = s.firstIndex(of: "=") else { return (s, "") }
        return (String(s[..<eq]), String(s[s.index(after: eq)...]))
    }

    static func unquote(_ v: String) -> String {
        if v.count >= 2, let f = v.first, f == v.last, f == "\"" || f == "'" { return String(v.dropFirst().dropLast()) }
        return v
    }
}
