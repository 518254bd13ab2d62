import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselRegistry
import VesselSign

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image file to a registry, as an OCI artifact.",
        discussion: """
        TARGET is oras://[REGISTRY[:PORT]/]REPOSITORY[:TAG] (docker:// means the same here). \
        The file is stored byte for byte as the one layer of an OCI artifact (artifactType \
        \(ImageArtifact.artifactType)); the image's run-time configuration and provenance are \
        its config blob, and its signatures are named in the manifest's annotations \
        (dev.vessel.image.signers). Any registry that keeps OCI artifacts takes it: Docker's \
        distribution 2.8 or later, Harbor, GHCR, GitLab, Quay.

        An Apptainer/Singularity .sif file is pushed as Apptainer pushes one, so that \
        `apptainer pull oras://...` takes it too.

        The upload goes in chunks (--chunk-size); a dropped connection is resumed where the \
        registry says it stopped. Blobs the repository already holds are not sent again, so \
        pushing the same file twice uploads nothing the second time.

        Credentials: as for vessel pull (vessel login, Podman's and Docker's files, or \
        VESSEL_USERNAME and VESSEL_PASSWORD); the registry must let them push.

        Examples:
          vessel push app.sqsh oras://ghcr.io/lab/app:1.2
          vessel pull oras://ghcr.io/lab/app:1.2 app.sqsh
          vessel exec oras://ghcr.io/lab/app:1.2 python3 run.py
        """
    )

    @Argument(help: ArgumentHelp("The image file: a Vessel image, any SquashFS image, or a .sif file.", valueName: "IMAGE"))
    var image: String

    @Argument(help: ArgumentHelp("Where to push it.", valueName: "TARGET"))
    var target: String

    @Option(help: ArgumentHelp("Bytes a request carries (default 64M; lower it for a registry behind a proxy that limits requests).", valueName: "SIZE"))
    var chunkSize = "64M"

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON report on standard output.")
    var json = false

    @OptionGroup(title: "Registry")
    var registry: RegistryFlags

    func run() throws {
        try failing(as: "push") {
            guard target.hasPrefix("oras://") || target.hasPrefix("docker://") else {
                throw ValidationError("\(target): name the target as oras://REGISTRY/REPOSITORY[:TAG]")
            }
            var pusher = ArtifactPusher(registry: try registry.options(quiet: quiet))
            pusher.chunkSize = Int64(try parseSize(chunkSize))
            if quiet { pusher.log = { _ in } }
            let report = try pusher.push(image, to: target, annotations: try Self.signatureAnnotations(image),
                                         progressStyle: Progress.defaultStyle(quiet: quiet))
            if json {
                print(String(decoding: try JSONEncoder.stable.encode(report), as: UTF8.self))
            } else if !quiet {
                let sent = report.blobs.filter(\.uploaded).count
                FileHandle.standardError.write(Data("pushed \(image) as \(report.reference) (\(sent) of \(report.blobs.count) blobs sent, \(Progress.bytes(report.uploadedBytes)))\n".utf8))
            }
        }
    }

    /// The image's signatures, named in the manifest; a signature that does not match the
    /// image stops the push (it would only mislead whoever pulls it).
    static func signatureAnnotations(_ image: String) throws -> [String: String] {
        let signatures: [VerifiedSignature]
        do { signatures = try ImageSigner.verify(image, trusted: nil).signatures } catch SignError.unsigned { return [:] }
        guard !signatures.isEmpty else { return [:] }
        return ["dev.vessel.image.signers": signatures.map { "\($0.keyID) \($0.signer)" }.joined(separator: ", ")]
    }
}
