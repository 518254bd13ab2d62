import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselOCI
import VesselRegistry
import VesselRuntime
import VesselSquashFS
import VesselWire

/// `vessel resolve SOURCE`: the SquashFS file to run for any image source, converting into the
/// cache when needed. The Slurm plugin calls it on the submitting side, so that a job runs the
/// image the user submitted and compute nodes never reach a registry.
struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Print the SquashFS file to run for an image source, converting it into the cache if needed.",
        discussion: """
        SOURCE is a SquashFS or .sif file (printed as an absolute path), or anything vessel build or \
        vessel pull accepts (oras:// included): a registry image is pulled, a layout or archive converted, once \
        per digest, into the cache. Prints the path on standard output; progress goes to \
        standard error. This is what the Slurm plugin does when a job is submitted.
        """
    )

    @Argument(help: ArgumentHelp("The image.", valueName: "SOURCE"))
    var source: String

    @OptionGroup(title: "Conversion")
    var conversion: ConversionOptions

    @OptionGroup(title: "Registry")
    var registry: RegistryFlags

    func run() throws {
        try failing(as: "resolve") {
            print(try Self.resolve(source, conversion: conversion, registry: registry))
        }
    }

    static func resolve(_ source: String, conversion: ConversionOptions, registry: RegistryFlags, announceCached: Bool = true) throws -> String {
        var puller = try registry.puller(quiet: conversion.quiet)
        puller.announceCached = announceCached
        return try puller.resolve(source, options: try conversion.buildOptions(), progressStyle: Progress.defaultStyle(quiet: conversion.quiet))
    }

    /// A file Vessel runs as it is: SquashFS, or an Apptainer/Singularity .sif file.
    static func isSquashFS(_ path: String) -> Bool { (try? SquashFSImage.superBlock(path: path)) != nil }
}

/// The process that holds a Slurm job step's container on a node: the image mounted once, the
/// root built once, for every task of the step to join. Started by the SPANK plugin, not by users.
struct SpankHelper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spank-helper", abstract: "Hold a job step's container for its tasks (used by the Slurm plugin).",
        shouldDisplay: false)

    @OptionGroup var options: ContainerOptions

    @Option(help: "Where to announce the container.")
    var readyFD: Int32

    @Option(help: "With --save: the step, as the saved image's provenance names it (JOBID.STEPID on NODE).")
    var saveJob: String?

    @Argument var image: String

    func run() throws {
        do {
            var spec = try options.spec(image: image, mode: .serve, arguments: [])
            spec.readyFD = readyFD
            spec.saveJob = saveJob
            let exec = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("vessel-hostexec").path
            if FileManager.default.isExecutableFile(atPath: exec) { spec.hostExec = exec }
            Foundation.exit(try Launcher().run(spec))
        } catch {
            Announcement(failure: "\(error)").write(to: readyFD)
            Foundation.exit(125)
        }
    }
}
