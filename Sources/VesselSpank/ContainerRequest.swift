#if canImport(Glibc)
import Glibc
#endif

/// The container options of a job or step, as srun, sbatch and salloc took them (and as
/// slurmstepd receives them again). Values are checked when given, so that a bad one is refused
/// before the job is submitted.
struct ContainerRequest {
    var image: String?
    var mounts: [Mount] = []
    var workdir: String?
    var envNames: [String] = []
    var writable = false
    var mountHome: Bool?
    var remapRoot = false
    var entrypoint = false
    /// The results root: /results in the container is collected there at the end of the job.
    var results: String?

    struct Mount: Equatable {
        var source: String
        var destination: String
        var readOnly: Bool
        var spec: String { "\(source):\(destination):\(readOnly ? "ro" : "rw")" }
    }

    var isEmpty: Bool { image == nil && mounts.isEmpty && workdir == nil && envNames.isEmpty && !writable && mountHome == nil && !remapRoot && !entrypoint && results == nil }

    /// `SRC:DST[:ro|rw],...`; SRC and DST absolute.
    static func parseMounts(_ text: String) throws -> [Mount] {
        try text.split(separator: ",").map { item in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (1...3).contains(parts.count), parts[0].hasPrefix("/") else {
                throw OptionError("container-mounts", text, "each mount is SRC[:DST[:ro|rw]] with absolute paths (\(item))")
            }
            let dst = parts.count > 1 && !parts[1].isEmpty ? parts[1] : parts[0]
            guard dst.hasPrefix("/") else { throw OptionError("container-mounts", text, "the destination \(dst) is not an absolute path") }
            var ro = false
            if parts.count == 3 {
                switch parts[2] {
                case "ro": ro = true
                case "rw": ro = false
                default: throw OptionError("container-mounts", text, "the flag must be ro or rw, not \(parts[2])")
                }
            }
            return Mount(source: parts[0], destination: dst, readOnly: ro)
        }
    }

    static func parseEnvNames(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map(String.init)
        for n in names where !isName(n) { throw OptionError("container-env", text, "\(n) is not a variable name") }
        return names
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(48...57).contains(first) else { return false }
        return s.utf8.allSatisfy { $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}

/// A refused option value: srun and sbatch print it and submit nothing.
struct OptionError: Error {
    let message: String
    init(_ option: String, _ value: String, _ reason: String) { message = "--\(option)=\(value): \(reason)" }
    init(_ message: String) { self.message = message }
}
