import ArgumentParser
import Foundation
import VesselBuild
import VesselWire

/// `--save` and `--container-save`: run by a container's Vessel process once the container has
/// ended, in its user and mount namespaces (see the runtime's SaveRequest). Not for users.
struct SaveContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-container", abstract: "Write an ended container's root as an image (used by --save).", shouldDisplay: false)

    @Option(help: "The base image file.") var image: String
    @Option(help: "The overlay's upper directory.") var upper: String
    @Option(help: "What Vessel made in it (OverlayDirectory's made file).") var made: String
    @Option(help: "JOBID.STEPID on NODE, for the provenance.") var job: String?
    @Argument var output: String

    func run() throws {
        // Its messages are the container's (vessel exec's, or the plugin's), named by the option.
        do {
            let record = (try? String(contentsOfFile: made, encoding: .utf8)).map { MadeEntries(text: $0) } ?? MadeEntries()
            _ = try Converter().save(image: image, upper: upper, made: record, job: job, output: output,
                                     options: try BuildOptions.defaults(), progressStyle: .lines)
        } catch {
            let text = "\(error)"
            FileHandle.standardError.write(Data("vessel: --save \(text.hasPrefix(output + ": ") ? text : output + ": " + text)\n".utf8))
            throw ExitCode(1)
        }
    }
}
