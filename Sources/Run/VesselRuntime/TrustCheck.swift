import Glibc
import VesselBasics
import VesselImage

/// The site's trust policy (require-signature in vessel.conf), checked on the image file as
/// opened. Verifying a signature takes the signature code and swift-crypto (VesselSign), which
/// the static front leaves out: vessel-cli, which links them, sets `verify`; the front, when
/// the site requires a signature, asks vessel-cli (`trust-check`) to check the same file through
/// /proc/PID/fd/N, the descriptor this process holds (Spawned: no Foundation Process).
public enum TrustCheck {
    /// Checks the file at `path` (a descriptor's path) against the policy; throws the reason.
    public nonisolated(unsafe) static var verify: ((_ path: String) throws -> Void)?

    static func check(_ file: OpenedFile, environment: [String: String]) throws {
        guard SiteConfig.load(environment: environment).requireSignature else { return }
        if let verify {
            do { try verify(file.path) } catch { throw RuntimeError.untrusted(file.named("\(error)")) }
            return
        }
        let cli = PlainSystem.companion("vessel-cli") ?? "vessel-cli"
        let path = "/proc/\(getpid())/fd/\(file.fd)"
        switch Spawned.run([cli, "trust-check", path]) {
        case .failure(let error):
            throw RuntimeError.untrusted("\(file.name): the site requires a signature, and \(cli), which checks it, cannot run: \(error)")
        case .success(let (status, _, said)):
            guard status == 0 else {
                let reason = said.split(separator: "\n").first.map(String.init) ?? "\(cli) trust-check failed (\(status))"
                throw RuntimeError.untrusted(reason.replacingAll(path, with: file.name))
            }
        }
    }
}
