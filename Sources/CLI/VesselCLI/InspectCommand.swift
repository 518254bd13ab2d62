import ArgumentParser
import Foundation
import VesselBuild
import VesselImage

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image's configuration and where it came from.",
        discussion: """
        For an image built by Vessel this prints the run-time configuration (Env, Entrypoint, \
        Cmd, WorkingDir, User, Labels) and the provenance (source, digests, layers, build \
        options). Plain SquashFS images made by mksquashfs, Enroot or Charliecloud open too; \
        Vessel says that they carry no metadata. An Apptainer/Singularity .sif file shows its \
        data objects (partitions, signatures) and what its /.singularity.d says.
        """
    )

    @Argument(help: ArgumentHelp("The image to inspect.", valueName: "IMAGE.sqsh"))
    var image: String

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let info: Inspection
        do {
            info = try Inspection(path: image)
        } catch {
            throw fail("inspect", error)
        }
        if json {
            print(String(decoding: try JSONEncoder.stable.encode(info), as: UTF8.self))
            return
        }
        print(InspectionText.render(info))
    }
}

/// The human-readable form of an inspection.
enum InspectionText {
    static func render(_ i: Inspection) -> String {
        var out: [String] = []
        let sq = i.squashfs
        out.append("Image:        \(i.path)")
        out.append("SquashFS:     \(sq.compression), \(sq.blockSize / 1024) KiB blocks, \(sq.inodes) inodes, \(sq.bytesUsed) bytes")
        if let sif = i.sif {
            out.append("SIF:          an Apptainer/Singularity image; its root partition is served at byte \(sif.partitionOffset)")
            out.append(contentsOf: sif.objects.map { o in
                "  object \(o.id): \(o.type), \(o.size) bytes" + (o.entity.map { ", \(o.hash ?? "") by \($0) over object \(o.signs ?? 0)" } ?? "")
            })
            if sif.signatures > 0 {
                out.append("  (SIF signatures are PGP signatures: check them with apptainer verify; vessel verify checks Vessel's own)")
            }
        }
        guard let c = i.config else {
            out.append("Metadata:     none (a plain SquashFS image, not made by Vessel; it runs, but has no Env, Entrypoint or provenance)")
            return out.joined(separator: "\n")
        }
        out.append("Platform:     \(c.platform)")
        out.append("Entrypoint:   \(quote(c.entrypoint))")
        out.append("Cmd:          \(quote(c.cmd))")
        out.append("WorkingDir:   \(c.workingDir ?? "/")")
        out.append("User:         \(c.user ?? "(the caller)")")
        out.append("Env:")
        out.append(contentsOf: c.env.map { "  \($0)" })
        if !c.labels.isEmpty {
            out.append("Labels:")
            out.append(contentsOf: c.labels.keys.sorted().map { "  \($0)=\(c.labels[$0]!)" })
        }
        if i.sif != nil, i.provenance == nil {
            out.append("Metadata:     from /.singularity.d (the env scripts' plain assignments, the runscript, labels.json)")
        }
        if let p = i.provenance {
            if let saved = p.savedFrom {
                out.append("Saved from:   \(saved.image)\(saved.job.map { ", by job \($0)" } ?? "") (a container's root; below, its base image)")
            }
            if let s = p.source { out.append("Source:       \(s)") }
            if let m = p.manifestDigest { out.append("Manifest:     \(m)") }
            out.append("Config:       \(p.configDigest)")
            if let created = p.created { out.append("Created:      \(created)") }
            out.append("Layers:")
            out.append(contentsOf: p.layers.map { "  \($0.digest ?? "(no digest)")  \($0.size) bytes  \($0.mediaType)" })
            let level = p.build.level.map { " level \($0)" } ?? ""
            out.append("Built with:   vessel \(p.vesselVersion), \(p.build.compression)\(level), \(p.build.blockSize / 1024) KiB blocks, timestamp \(p.build.timestamp)")
        }
        return out.joined(separator: "\n")
    }

    static func quote(_ args: [String]?) -> String {
        guard let args, !args.isEmpty else { return "(none)" }
        return "[" + args.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
