import ArgumentParser
import Foundation
import VesselRuntime

/// Removes kept overlays: the plugin's job epilog, as the job's user, removes a job's named
/// containers with it. Not for users.
struct RemoveKeptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-kept", abstract: "Remove a kept overlay directory, files of subordinate ids included (used by the Slurm plugin).",
        shouldDisplay: false)

    @Argument var directory: String

    func run() throws {
        try failing(as: "remove-kept") { try KeptLayer.remove(directory) }
    }
}
