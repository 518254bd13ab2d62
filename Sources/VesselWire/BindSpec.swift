/// The one bind grammar: `SRC[:DST[:ro|rw]]`, as `vessel exec --bind` takes it and, as a comma
/// list, the plugin's `--container-mounts` and plugstack.conf's `mounts=`. DST defaults to SRC
/// and must be absolute. Each front names itself in its messages (`--bind X: REASON`).
public struct BindSpec: Equatable, Sendable {
    public var source: String
    public var destination: String
    public var readOnly: Bool

    public init(source: String, destination: String, readOnly: Bool) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }

    /// Why a bind was refused; `reason` is the text after the front's own prefix.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// One bind. `absoluteSource`: a front that cannot resolve a relative source (the plugin,
    /// whose working directory is slurmstepd's) requires an absolute one.
    public static func parse(_ s: String, absoluteSource: Bool = false) throws -> BindSpec {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts[0].isEmpty, !absoluteSource || parts[0].hasPrefix("/") else {
            throw Refusal(reason: "each mount is SRC[:DST[:ro|rw]] with absolute paths (\(s))")
        }
        // `SRC:` is a mistake (a DST was meant); `SRC::ro` keeps DST = SRC with a flag.
        guard parts.count != 2 || !parts[1].isEmpty else { throw Refusal(reason: "an empty destination after \(parts[0]):") }
        let dst = parts.count > 1 && !parts[1].isEmpty ? parts[1] : parts[0]
        guard dst.hasPrefix("/") else { throw Refusal(reason: "the destination \(dst) is not an absolute path") }
        var ro = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": ro = true
            case "rw": ro = false
            default: throw Refusal(reason: "the flag must be ro or rw, not \(parts[2])")
            }
        }
        return BindSpec(source: parts[0], destination: dst, readOnly: ro)
    }

    /// `BIND,BIND,...`; an empty item is refused (`/tmp:` or a trailing comma is a mistake).
    public static func parseList(_ text: String, absoluteSource: Bool = false) throws -> [BindSpec] {
        guard !text.isEmpty else { throw Refusal(reason: "name at least one mount") }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { try parse(String($0), absoluteSource: absoluteSource) }
    }

    /// As the grammar writes it, flag included: what the plugin passes to `vessel spank-helper --bind`.
    public var text: String { "\(source):\(destination):\(readOnly ? "ro" : "rw")" }
}

/// Environment variable names (`--container-env NAME,...`, `--env NAME=VALUE`).
public enum VariableName {
    public static func isValid(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(48...57).contains(first) else { return false }
        return s.utf8.allSatisfy { $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
