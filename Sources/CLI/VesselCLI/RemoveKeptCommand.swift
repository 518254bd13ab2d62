import ArgumentParser
import Foundation
import VesselRuntime

/// Removes kept overlays (`--overlay DIR`, a named container of the plugin), which a plain
/// `rm -r` cannot when the container gave files to subordinate ids. The plugin's job epilog
/// removes a job's named containers with it, as the job's user.
struct RemoveKeptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-kept",
        abstract: "Remove a kept overlay directory (--overlay DIR, or a named container), files of subordinate ids included.",
        discussion: """
        A container run with --fakeroot and subordinate ids may have given its files to ids other         than yours, which rm cannot remove. This removes the directory in a user namespace         mapped as --fakeroot maps it, following no symbolic link:

            vessel remove-kept ~/kept
            vessel remove-kept /var/lib/vessel/containers/vessel-containers/$(id -u)/NAME
        """)

    @Argument(help: "The directory.") var directory: String

    func run() throws {
        try failing(as: "remove-kept") { try KeptLayer.remove(directory) }
    }
}
