import Foundation

/// Site and user settings: `KEY = VALUE` lines, `#` comments. Read from /etc/vessel/vessel.conf,
/// then $XDG_CONFIG_HOME/vessel/vessel.conf (~/.config/...), later files overriding earlier ones;
/// VESSEL_CONFIG names a single file instead. Unknown keys are warned about, not fatal, so a
/// site file can serve several Vessel versions.
public struct SiteConfig: Sendable {
    /// `cache-dir`: where pulled blobs and converted images live (a group's shared directory).
    public var cacheDirectory: String?
    /// `nv-required = yes`: `--nv` without a GPU driver is an error rather than a warning.
    public var nvRequired = false
    /// `registry-parallel`: how many blobs to download at once.
    public var parallelDownloads: Int?
    /// `require-signature = yes`: run only images signed by a trusted key.
    public var requireSignature = false
    /// `trusted-keys = PATH,...`: public key files or directories, besides /etc/vessel/trusted and the user's.
    public var trustedKeys: [String] = []
    /// Messages about the files themselves (unknown keys, bad values).
    /// Where `vessel submit` collects job results (RESULTS_ROOT/USER/JOBID); a shared filesystem.
    public var resultsRoot: String?
    public var warnings: [String] = []

    public static let keys = ["cache-dir", "nv-required", "registry-parallel", "require-signature", "trusted-keys", "results-root"]

    public init() {}

    public static func load(environment: [String: String] = PlainSystem.environment()) -> SiteConfig {
        var config = SiteConfig()
        for file in files(environment) {
            guard let text = PlainSystem.readText(file) else { continue }
            config.apply(text, file: file)
        }
        return config
    }

    static func files(_ env: [String: String]) -> [String] {
        if let f = env["VESSEL_CONFIG"], !f.isEmpty { return [f] }
        let home = env["HOME"] ?? NSHomeDirectory()
        let user = (env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/vessel/vessel.conf"
        return ["/etc/vessel/vessel.conf", user]
    }

    mutating func apply(_ text: String, file: String) {
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            guard let eq = line.firstIndex(of: "=") else {
                warnings.append("\(file):\(n + 1): not KEY = VALUE; ignored")
                continue
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "cache-dir": cacheDirectory = value.isEmpty ? nil : value
            case "results-root": resultsRoot = value.isEmpty ? nil : value
            case "nv-required":
                guard let b = Self.bool(value) else { warnings.append("\(file):\(n + 1): nv-required takes yes or no"); continue }
                nvRequired = b
            case "registry-parallel":
                guard let v = Int(value), v > 0 else { warnings.append("\(file):\(n + 1): registry-parallel takes a positive number"); continue }
                parallelDownloads = v
            case "require-signature":
                guard let b = Self.bool(value) else { warnings.append("\(file):\(n + 1): require-signature takes yes or no"); continue }
                requireSignature = b
            case "trusted-keys":
                trustedKeys = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default:
                warnings.append("\(file):\(n + 1): unknown key \(key) (known: \(Self.keys.joined(separator: ", "))); ignored")
            }
        }
    }

    static func bool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "yes", "true", "1", "on": return true
        case "no", "false", "0", "off": return false
        default: return nil
        }
    }
}
