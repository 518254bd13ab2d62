import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselOCI
import VesselRegistry
import VesselSign

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry and convert it into one SquashFS file.",
        discussion: """
        SOURCE is [docker://][REGISTRY[:PORT]/]REPOSITORY[:TAG|@sha256:DIGEST]. Without a \
        registry it is Docker Hub (docker.io), where a name without a namespace is in library/; \
        without a tag it is latest.

        oras://REGISTRY/REPOSITORY[:TAG] is an image file stored as an OCI artifact (by vessel \
        push, or an Apptainer .sif file by apptainer push): it is downloaded as it was pushed, \
        checked against the manifest's digest, and not converted; when the site requires \
        signatures (require-signature in vessel.conf), one it trusts must be on the file.

        The tag is resolved to a manifest digest once; that digest is what the image's \
        provenance records (--digest-file writes it). Blobs and converted images are cached \
        by digest (~/.cache/vessel, or VESSEL_CACHE, or cache-dir in vessel.conf), so pulling \
        the same image again is instant. When many jobs pull the same image into a shared \
        cache at once, one downloads and converts it and the others wait for it.

        Without OUTPUT the image is written to NAME_TAG.sqsh in the current directory. It is \
        a hard link to the cached file when both are on one file system, else a copy.

        Credentials: vessel login, $REGISTRY_AUTH_FILE, Podman's auth.json, Docker's \
        ~/.docker/config.json, or VESSEL_USERNAME and VESSEL_PASSWORD.

        Examples:
          vessel pull ubuntu:24.04
          vessel pull docker://ghcr.io/org/app:1.2 app.sqsh
          vessel pull oras://ghcr.io/lab/app:1.2 app.sqsh
          vessel pull --digest-file app.digest registry.example.org/app:latest app.sqsh
        """
    )

    @Argument(help: ArgumentHelp("The image to pull.", valueName: "SOURCE"))
    var source: String

    @Argument(help: ArgumentHelp("The SquashFS file to write (default: NAME_TAG.sqsh here).", valueName: "OUTPUT.sqsh"))
    var output: String?

    @OptionGroup(title: "Conversion")
    var conversion: ConversionOptions

    @OptionGroup(title: "Registry")
    var registry: RegistryFlags

    func run() throws {
        try failing(as: "pull") {
            let ref = try RegistryReference(parsing: source)
            let out = output ?? Self.defaultOutput(ref)
            let report = try registry.puller(quiet: conversion.quiet)
                .pull(source, output: out, options: try conversion.buildOptions(),
                      progressStyle: Progress.defaultStyle(quiet: conversion.quiet))
            // An image file pushed by someone else is held to the site's trust policy before it
            // is handed over (a conversion is Vessel's own work, and unsigned by nature).
            if source.hasPrefix("oras://") {
                do { try TrustPolicy.check(out) } catch {
                    unlink(out)
                    throw error
                }
            }
            try conversion.finish(report)
        }
    }

    /// `python_3.12-slim.sqsh`, or `python_<12 hex digits>.sqsh` for a digest.
    static func defaultOutput(_ ref: RegistryReference) -> String {
        let name = ref.repository.split(separator: "/").last.map(String.init) ?? "image"
        return "\(name)_\(ref.tag ?? ref.digest?.short ?? "latest").sqsh"
    }
}

/// How to reach a registry; shared by pull, build and login.
struct RegistryFlags: ParsableArguments {
    @Flag(help: "Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).")
    var insecure = false

    @Option(help: ArgumentHelp("Trust the CA certificates in FILE (PEM) as well as the system's.", valueName: "FILE"))
    var caFile: String?

    @Option(help: ArgumentHelp("Blobs to download at once (default 3, or registry-parallel in vessel.conf).", valueName: "N"))
    var parallel: Int?

    func options(quiet: Bool) throws -> RegistryOptions {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile): not a readable file")
        }
        var options = RegistryOptions.standard(quiet: quiet)
        options.caFile = caFile
        options.insecure = insecure
        return options
    }

    func puller(quiet: Bool) throws -> Puller {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        return try Puller.configured(registry: try options(quiet: quiet), parallel: parallel, quiet: quiet)
    }
}
