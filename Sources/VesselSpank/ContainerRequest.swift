import VesselWire
#if canImport(Glibc)
import Glibc
#endif

/// The container options of a job or step, as srun, sbatch and salloc took them (and as
/// slurmstepd receives them again). Values are checked when given, so that a bad one is refused
/// before the job is submitted.
struct ContainerRequest {
    var image: String?
    var mounts: [BindSpec] = []
    var workdir: String?
    var envNames: [String] = []
    var writable = false
    var mountHome: Bool?
    var remapRoot = false
    var entrypoint = false
    /// The results root: /results in the container is collected there at the end of the job.
    var results: String?
    /// What was taken, so that a second call with the same option and value is a no-op.
    private var taken: Set<String> = []

    var isEmpty: Bool { image == nil && mounts.isEmpty && workdir == nil && envNames.isEmpty && !writable && mountHome == nil && !remapRoot && !entrypoint && results == nil }

    /// The behaviour of each plugin option of the table; `value` is nil for a flag.
    mutating func take(_ id: ContainerOption.ID, _ value: String?) throws {
        let name = ContainerOption.row(id).plugin?.long ?? "\(id)"
        let v = value ?? ""
        guard taken.insert("\(name)=\(v)").inserted else { return }
        func refuse(_ reason: String) -> OptionError { OptionError(name, v, reason) }
        switch id {
        case .image:
            guard !v.isEmpty else { throw refuse("name an image") }
            image = v
        case .bind:
            do { mounts += try BindSpec.parseList(v, absoluteSource: true) } catch let r as BindSpec.Refusal { throw refuse(r.reason) }
        case .workdir:
            guard v.hasPrefix("/") else { throw refuse("not an absolute path") }
            workdir = v
        case .keepEnv: envNames += try Self.parseEnvNames(v, option: name)
        case .writable: writable = true
        case .mountHome: mountHome = true
        case .noHome: mountHome = false
        case .fakeroot: remapRoot = true
        case .entrypoint: entrypoint = true
        case .results:
            guard v.hasPrefix("/") else { throw refuse("not an absolute path") }
            results = v
        case .env, .envFile, .cleanEnv, .contain, .unpack, .nv, .verbose:
            throw OptionError("--\(name): not an option of the plugin")
        }
    }

    static func parseEnvNames(_ text: String, option: String = "container-env") throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for n in names where !VariableName.isValid(n) {
            throw OptionError(option, text, n.isEmpty ? "an empty name" : "\(n) is not a variable name")
        }
        return names
    }
}

/// A refused option value: srun and sbatch print it and submit nothing.
struct OptionError: Error {
    let message: String
    init(_ option: String, _ value: String, _ reason: String) { message = "--\(option)=\(value): \(reason)" }
    init(_ message: String) { self.message = message }
}
