import Glibc
import VesselBasics

/// Site and user settings: `KEY = VALUE` lines, `#` comments. The site's file,
/// /etc/vessel/vessel.conf, is always read; then the user's, $XDG_CONFIG_HOME/vessel/vessel.conf
/// (~/.config/...) or the one VESSEL_CONFIG names, whose settings override the site's except
/// where the site sets policy: a user's file or environment can make a policy stricter, never
/// weaker (require-signature and nv-required stay on once the site turns them on; trust and pin
/// are the site's alone; pinned locations stay the site's; users' trusted keys count only when
/// the site's trust allows them). Unknown keys are warned about, not fatal, so a site file can
/// serve several Vessel versions.
public struct SiteConfig: Sendable {
    /// Whose keys the trust policy accepts: the site's only (/etc/vessel/trusted and the site
    /// file's trusted-keys), or the user's as well (their own, imported and listed keys).
    public enum Trust: String, Sendable { case site, siteAndUser = "site+user" }

    /// `cache-dir`: where pulled blobs and converted images live (a group's shared directory).
    public var cacheDirectory: String?
    /// `nv-required = yes`: `--nv` without a GPU driver is an error rather than a warning.
    public var nvRequired = false
    /// `registry-parallel`: how many blobs to download at once.
    public var parallelDownloads: Int?
    /// `require-signature = yes`: run only images signed by a trusted key.
    public var requireSignature = false
    /// `trusted-keys = PATH,...` in the site's file: public key files or directories the trust
    /// policy accepts, besides /etc/vessel/trusted.
    public var trustedKeys: [String] = []
    /// `trusted-keys` in the user's file: counted only when `trust` allows users' keys.
    public var userTrustedKeys: [String] = []
    /// `trust = site|site+user` (site only). When the site says nothing: `site` if the site's
    /// file requires signatures, else `site+user`.
    public var trust: Trust {
        get { siteTrust ?? (siteRequiresSignature ? .site : .siteAndUser) }
        set { siteTrust = newValue }
    }
    /// `pin = cache-dir, results-root` (site only): settings that users' files and environment
    /// (VESSEL_CACHE) cannot change.
    public var pinned: Set<String> = []
    /// Where `vessel submit` collects job results (RESULTS_ROOT/USER/JOBID); a shared filesystem.
    public var resultsRoot: String?
    /// `gateway = SOCKET` (site only): the image gateway's UNIX socket (`vessel gateway`), asked
    /// for public images before a user converts one.
    public var gateway: String?
    /// `gateway-user = NAME` (site only): whose files the gateway hands out; no other's are used.
    public var gatewayUser = "vessel"
    /// Messages about the files themselves (unknown keys, bad values, refused overrides).
    public var warnings: [String] = []

    private var siteTrust: Trust?
    private var siteRequiresSignature = false

    public static let keys = ["cache-dir", "nv-required", "registry-parallel", "require-signature", "trusted-keys", "results-root", "trust", "pin",
                              "gateway", "gateway-user"]
    /// Only the site's file may set these.
    static let siteOnlyKeys: Set<String> = ["trust", "pin", "gateway", "gateway-user"]
    /// The settings `pin` can hold.
    static let pinnable: Set<String> = ["cache-dir", "results-root"]
    public static let siteFile = "/etc/vessel/vessel.conf"

    /// Whose file a setting comes from.
    public enum Scope: Sendable { case site, user }

    public init() {}

    public static func load(environment: [String: String] = PlainSystem.environment()) -> SiteConfig {
        var config = SiteConfig()
        if let text = PlainSystem.readText(siteFile) { config.apply(text, file: siteFile) }
        let user = userFile(environment)
        if let text = PlainSystem.readText(user) { config.apply(text, file: user, scope: .user) }
        return config
    }

    /// The user's file: VESSEL_CONFIG, else $XDG_CONFIG_HOME/vessel/vessel.conf.
    static func userFile(_ env: [String: String]) -> String {
        if let f = env["VESSEL_CONFIG"], !f.isEmpty { return f }
        let home = env["HOME"] ?? getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } ?? "/"
        return (env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/vessel/vessel.conf"
    }

    /// The cache directory the environment may choose (VESSEL_CACHE), unless the site pins it.
    public func cacheDirectory(environment: [String: String]) -> String? {
        if pinned.contains("cache-dir"), let c = cacheDirectory { return c }
        if let c = environment["VESSEL_CACHE"], !c.isEmpty { return c }
        return cacheDirectory
    }

    public mutating func apply(_ text: String, file: String, scope: Scope = .site) {
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmed() ?? ""
            guard !line.isEmpty else { continue }
            let at = "\(file):\(n + 1)"
            guard let eq = line.firstIndex(of: "=") else {
                warnings.append("\(at): not KEY = VALUE; ignored")
                continue
            }
            let key = line[..<eq].trimmed()
            let value = line[line.index(after: eq)...].trimmed()
            if scope == .user {
                if Self.siteOnlyKeys.contains(key) {
                    warnings.append("\(at): \(key) is the site's to set (in \(Self.siteFile)); ignored")
                    continue
                }
                if pinned.contains(key) {
                    warnings.append("\(at): the site pins \(key) (in \(Self.siteFile)); ignored")
                    continue
                }
            }
            switch key {
            case "cache-dir": cacheDirectory = value.isEmpty ? nil : value
            case "results-root": resultsRoot = value.isEmpty ? nil : value
            case "nv-required":
                guard let b = Self.bool(value) else { warnings.append("\(at): nv-required takes yes or no"); continue }
                if !b, nvRequired, scope == .user {
                    warnings.append("\(at): nv-required = no cannot weaken the site's nv-required = yes; ignored")
                    continue
                }
                nvRequired = b
            case "registry-parallel":
                guard let v = Int(value), v > 0 else { warnings.append("\(at): registry-parallel takes a positive number"); continue }
                parallelDownloads = v
            case "require-signature":
                guard let b = Self.bool(value) else { warnings.append("\(at): require-signature takes yes or no"); continue }
                if !b, siteRequiresSignature, scope == .user {
                    warnings.append("\(at): require-signature = no cannot weaken the site's require-signature = yes; ignored")
                    continue
                }
                requireSignature = b
                if scope == .site { siteRequiresSignature = b }
            case "trusted-keys":
                let paths = value.split(separator: ",").map { $0.trimmed() }
                if scope == .site { trustedKeys = paths } else { userTrustedKeys = paths }
            case "gateway": gateway = value.isEmpty ? nil : value
            case "gateway-user":
                guard !value.isEmpty else { warnings.append("\(at): gateway-user takes a user name"); continue }
                gatewayUser = value
            case "trust":
                guard let t = Trust(rawValue: value) else { warnings.append("\(at): trust takes site or site+user"); continue }
                siteTrust = t
            case "pin":
                let keys = Set(value.split(separator: ",").map { $0.trimmed() })
                for k in keys.subtracting(Self.pinnable).sorted() {
                    warnings.append("\(at): pin: \(k) cannot be pinned (only \(Self.pinnable.sorted().joined(separator: ", "))); ignored")
                }
                pinned = keys.intersection(Self.pinnable)
            default:
                warnings.append("\(at): unknown key \(key) (known: \(Self.keys.joined(separator: ", "))); ignored")
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
