/// The one bind grammar: `SRC[:DST[:FLAGS]]`, as `vessel exec --bind` takes it and, as a comma
/// list, the plugin's `--container-mounts` and plugstack.conf's `mounts=`. DST defaults to SRC
/// and must be absolute; a relative SRC is resolved against the working directory (the job's,
/// for the plugin). Each front names itself in its messages (`--bind X: REASON`).
public struct BindSpec: Equatable, Sendable {
    /// A host path bound in; or, as Pyxis (Enroot) job scripts write them, `tmpfs:DST[:OPTIONS]`
    /// (a private tmpfs, OPTIONS such as `size=1G+mode=0700`) and `umount:DST` (no mount there:
    /// one of the defaults, $HOME or /tmp say, left out).
    public enum Kind: Equatable, Sendable { case bind, tmpfs(options: [String]), umount }

    public var source: String
    public var destination: String
    public var readOnly: Bool
    public var kind: Kind

    public init(source: String, destination: String, readOnly: Bool, kind: Kind = .bind) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.kind = kind
    }

    /// tmpfs options taken (what mount(8) gives a tmpfs that a user may ask for).
    public static let tmpfsOptions: Set<String> = ["size", "nr_inodes", "mode"]

    /// Why a bind was refused; `reason` is the text after the front's own prefix.
    /// Why a value of an option's grammar is refused; the caller names the option (or its
    /// environment twin). The bind grammar's, the namespace list's and the plugin's names use it.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// Flags Vessel's binds take as they are: recursive and private already, or nothing to do
    /// in a container of one's own. Pyxis (Enroot) job scripts give them; they are accepted.
    public static let propagationFlags: Set<String> = ["rbind", "private", "rprivate", "slave", "rslave", "unbindable", "runbindable"]

    /// One bind. `pathSource` (the plugin's rule, as Pyxis has it): the source is an absolute
    /// path or one relative to the job's working directory (`./data`, `../in`), where the
    /// plugin's helper runs. FLAGS are `ro` or `rw` and propagation flags, joined with `+`
    /// (`ro+rbind`: a comma separates mounts in a list).
    public static func parse(_ s: String, pathSource: Bool = false) throws -> BindSpec {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "tmpfs" || parts.first == "umount" {
            guard (2...3).contains(parts.count), parts[1].hasPrefix("/") else {
                throw Refusal(reason: "\(parts[0]) takes an absolute destination: \(parts[0]):DST\(parts[0] == "tmpfs" ? "[:OPTIONS]" : "") (\(s))")
            }
            if parts[0] == "umount" {
                guard parts.count == 2 else { throw Refusal(reason: "umount:DST takes no flags (\(s))") }
                return BindSpec(source: "umount", destination: parts[1], readOnly: false, kind: .umount)
            }
            var options: [String] = [], ro = false
            for o in parts.count == 3 ? parts[2].split(separator: "+", omittingEmptySubsequences: false).map(String.init) : [] {
                if o == "ro" { ro = true; continue }
                if o == "rw" || propagationFlags.contains(o) { continue }
                let key = o.split(separator: "=", maxSplits: 1).first.map(String.init) ?? o
                guard tmpfsOptions.contains(key), o.contains("="), !o.contains(",") else {
                    throw Refusal(reason: "a tmpfs option must be ro, rw, size=, nr_inodes= or mode=, not \(o)")
                }
                options.append(o)
            }
            return BindSpec(source: "tmpfs", destination: parts[1], readOnly: ro, kind: .tmpfs(options: options))
        }
        guard (1...3).contains(parts.count), !parts[0].isEmpty, !pathSource || parts[0].hasPrefix("/") || parts[0].hasPrefix(".") else {
            throw Refusal(reason: "each mount is SRC[:DST[:FLAGS]], SRC an absolute path or one starting with ./ (\(s))")
        }
        // `SRC:` is a mistake (a DST was meant); `SRC::ro` keeps DST = SRC with a flag.
        guard parts.count != 2 || !parts[1].isEmpty else { throw Refusal(reason: "an empty destination after \(parts[0]):") }
        let dst = parts.count > 1 && !parts[1].isEmpty ? parts[1] : parts[0]
        guard dst.hasPrefix("/") else { throw Refusal(reason: "the destination \(dst) is not an absolute path") }
        var ro = false
        if parts.count == 3 {
            for flag in parts[2].split(separator: "+", omittingEmptySubsequences: false).map(String.init) {
                switch flag {
                case "ro": ro = true
                case "rw": ro = false
                case _ where propagationFlags.contains(flag): continue
                default: throw Refusal(reason: "the flag must be ro or rw (or one of \(propagationFlags.sorted().joined(separator: ", "))), not \(flag)")
                }
            }
        }
        return BindSpec(source: parts[0], destination: dst, readOnly: ro)
    }

    /// `BIND,BIND,...`; an empty item is refused (`/tmp:` or a trailing comma is a mistake).
    public static func parseList(_ text: String, pathSource: Bool = false) throws -> [BindSpec] {
        guard !text.isEmpty else { throw Refusal(reason: "name at least one mount") }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { try parse(String($0), pathSource: pathSource) }
    }

    /// As the grammar writes it, flags included: what the plugin passes to `vessel spank-helper --bind`.
    public var text: String {
        switch kind {
        case .bind: return "\(source):\(destination):\(readOnly ? "ro" : "rw")"
        case .umount: return "umount:\(destination)"
        case .tmpfs(let options): return "tmpfs:\(destination):" + ([readOnly ? "ro" : "rw"] + options).joined(separator: "+")
        }
    }
}

/// Environment variable names (`--container-env NAME,...`, `--env NAME=VALUE`).
public enum VariableName {
    public static func isValid(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(48...57).contains(first) else { return false }
        return s.utf8.allSatisfy { $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
