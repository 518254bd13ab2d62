import Foundation
import VesselImage
import VesselTree

/// The metadata other runtimes read, so that a collaborator can run a Vessel image with what
/// their cluster has and see the same environment and command:
///   Apptainer/Singularity: /.singularity.d/env/10-docker2singularity.sh (exports the image's
///     Env), /.singularity.d/runscript (Entrypoint + Cmd, arguments replacing Cmd), labels.json;
///   Charliecloud: /ch/environment (NAME=VALUE lines, read by `ch-run --set-env`) and
///     /ch/metadata.json (cwd, env, labels, the command).
/// `vessel build --no-compat` leaves them out.
enum CompatMetadata {
    /// Files to add: (directory path components, file name, bytes, mode).
    static func files(_ config: RuntimeConfig) throws -> [(dir: [String], name: String, bytes: [UInt8], mode: UInt16)] {
        let envLines = config.env.compactMap { e -> (String, String)? in
            guard let eq = e.firstIndex(of: "=") else { return nil }
            return (String(e[..<eq]), String(e[e.index(after: eq)...]))
        }
        var sh = "#!/bin/sh\n# The image's environment (written by Vessel from the OCI image configuration).\n"
        for (k, v) in envLines { sh += "export \(k)=\(quote(v))\n" }
        let entry = (config.entrypoint ?? []).map(quote).joined(separator: " ")
        let cmd = (config.cmd ?? []).map(quote).joined(separator: " ")
        var run = "#!/bin/sh\n# The image's Entrypoint and Cmd; arguments replace Cmd, as with docker run.\n"
        if entry.isEmpty {
            run += "if [ $# -gt 0 ]; then exec \"$@\"; fi\n" + (cmd.isEmpty ? "exec /bin/sh\n" : "exec \(cmd)\n")
        } else {
            run += "if [ $# -gt 0 ]; then exec \(entry) \"$@\"; fi\nexec \(entry)\(cmd.isEmpty ? "" : " " + cmd)\n"
        }
        let labels = Array(try JSONEncoder.stable.encode(config.labels)) + [0x0a]
        struct ChMetadata: Encodable {
            var arch: String
            var cwd: String
            var env: [String: String]
            var labels: [String: String]
            var runscript: [String]
            var shell: [String]
            var volumes: [String]
        }
        let ch = ChMetadata(arch: config.platform.split(separator: "/").dropFirst().first.map(String.init) ?? "",
                            cwd: config.workingDir ?? "/", env: Dictionary(envLines, uniquingKeysWith: { $1 }),
                            labels: config.labels, runscript: (config.entrypoint ?? []) + (config.cmd ?? []),
                            shell: ["/bin/sh", "-c"], volumes: [])
        return [
            ([".singularity.d", "env"], "10-docker2singularity.sh", Array(sh.utf8), 0o755),
            ([".singularity.d"], "runscript", Array(run.utf8), 0o755),
            ([".singularity.d"], "labels.json", labels, 0o644),
            (["ch"], "environment", Array(envLines.map { "\($0)=\($1)\n" }.joined().utf8), 0o644),
            (["ch"], "metadata.json", Array(try JSONEncoder.stable.encode(ch)) + [0x0a], 0o644),
        ]
    }

    /// 'single quoted' for sh.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
