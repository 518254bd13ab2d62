import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselRuntime

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this node for what running containers needs.",
        discussion: """
        Tries, as you, what vessel exec does: a user namespace, a FUSE mount and an overlay \
        inside one; and looks for /dev/fuse, subordinate ids and an NVIDIA driver. Each check \
        prints ok, or what is wrong and the exact fix. Exits 1 when containers cannot run here.
        """
    )

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let checks = VesselRuntime.Doctor().run()
        if json {
            print(String(decoding: try JSONEncoder.stable.encode(checks), as: UTF8.self))
        } else {
            for c in checks {
                let tag = c.status == .ok ? "ok     " : c.status == .warning ? "warning" : "FAILED "
                print("\(tag)  \(c.name): \(c.detail)")
                if !c.fix.isEmpty { print("         fix: \(c.fix)") }
            }
        }
        if checks.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }
}
