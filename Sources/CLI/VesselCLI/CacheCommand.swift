import ArgumentParser
import Foundation
import VesselBuild
import VesselImage

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Show or clean the cache of pulled blobs and converted images.",
        discussion: """
        The cache is VESSEL_CACHE, cache-dir in vessel.conf, or ~/.cache/vessel. A group can \
        share one on a shared file system: make it group-writable (setgid directory, umask 002).
        """,
        subcommands: [List.self, Clean.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List converted images and blobs, with sizes.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let cache: ImageCache
            do { cache = try ImageCache(root: ImageCache.defaultRoot()) } catch { throw fail("cache list", error) }
            let images = cache.images()
            let blobs = cache.blobs()
            if json {
                struct Out: Encodable {
                    struct Image: Encodable {
                        var path: String, source: String, pinned: String, platform: String, compression: String, bytes: Int64, lastUsed: String
                    }
                    var root: String, images: [Image], blobCount: Int, blobBytes: Int64
                }
                let f = ISO8601DateFormatter()
                let out = Out(root: cache.root, images: images.map {
                    .init(path: $0.path, source: $0.record.source, pinned: $0.record.pinned, platform: $0.record.platform,
                          compression: $0.record.compression, bytes: $0.bytes, lastUsed: f.string(from: $0.lastUsed))
                }, blobCount: blobs.count, blobBytes: blobs.reduce(0) { $0 + $1.bytes })
                print(String(decoding: try JSONEncoder.stable.encode(out), as: UTF8.self))
                return
            }
            print("cache \(cache.root)")
            if images.isEmpty { print("no converted images") }
            for i in images {
                print("\(i.record.source)  \(i.record.manifestDigest.dropFirst(7).prefix(12))  \(i.record.platform)  \(Progress.bytes(i.bytes))  used \(Self.age(i.lastUsed)) ago")
                print("    \(i.path)")
            }
            let total = images.reduce(0) { $0 + $1.bytes }
            print("\(images.count) images, \(Progress.bytes(total)); \(blobs.count) blobs, \(Progress.bytes(blobs.reduce(0) { $0 + $1.bytes }))")
        }

        static func age(_ d: Date) -> String {
            let s = Int(Date().timeIntervalSince(d))
            if s < 120 { return "\(s) s" }
            if s < 7200 { return "\(s / 60) min" }
            if s < 172_800 { return "\(s / 3600) h" }
            return "\(s / 86400) days"
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clean",
            abstract: "Remove cached images and blobs.",
            discussion: """
            Choose what goes: --older-than DURATION (images and blobs not used for that long: \
            30d, 12h, 90m), --blobs (all blobs; converted images stay usable), or --all. \
            Images being converted right now are waited for, never removed half-made. A job \
            that has an image open keeps running: its file stays until it is closed.
            """
        )

        @Option(help: ArgumentHelp("Remove what has not been used for this long (s, m, h, d, w).", valueName: "DURATION"))
        var olderThan: String?

        @Flag(help: "Remove every blob (downloads), keeping converted images.")
        var blobs = false

        @Flag(help: "Remove everything.")
        var all = false

        @Flag(help: "Show what would be removed, remove nothing.")
        var dryRun = false

        func validate() throws {
            guard olderThan != nil || blobs || all else { throw ValidationError("say what to remove: --older-than DURATION, --blobs or --all") }
        }

        func run() throws {
            do {
                let cache = try ImageCache(root: ImageCache.defaultRoot())
                let cutoff: Date? = try olderThan.map { Date().addingTimeInterval(-(try Self.duration($0))) }
                let result = try cache.clean(images: all || cutoff != nil, blobs: all || blobs || cutoff != nil, unusedSince: all || blobs ? nil : cutoff,
                                             dryRun: dryRun) { print(dryRun ? "would remove \($0)" : "removed \($0)") }
                print("\(dryRun ? "would free" : "freed") \(Progress.bytes(result))")
            } catch let e as ValidationError {
                throw e
            } catch {
                throw fail("cache clean", error)
            }
        }

        static func duration(_ s: String) throws -> Double {
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
            guard let u = s.last, let f = units[u], let n = Double(s.dropLast()), n >= 0 else {
                throw ValidationError("--older-than \(s): write a number and a unit, e.g. 30d, 12h, 90m")
            }
            return n * f
        }
    }
}
