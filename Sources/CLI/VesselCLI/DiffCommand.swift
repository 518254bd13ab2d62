import ArgumentParser
import Foundation
import VesselBuild
import VesselImage

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two images.",
        discussion: """
        Lists paths added (+), removed (-) and changed (~, with what: content, size, mode, \
        owner, type, target), with sizes, then totals. Files are compared by content, not by \
        time. Works on any SquashFS images; Vessel's /.vessel/ is left out unless --metadata.

        Example:
          vessel diff old.sqsh new.sqsh | less
        """)

    @Argument(help: ArgumentHelp("The image before.", valueName: "A.sqsh")) var before: String
    @Argument(help: ArgumentHelp("The image after.", valueName: "B.sqsh")) var after: String
    @Flag(help: "Compare /.vessel/ too.") var metadata = false
    @Flag(help: "Print only the totals.") var summary = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let d: ImageDiff
        do { d = try ImageDiff(before, after, includeMetadata: metadata) } catch { throw fail("diff", error) }
        if json {
            print(String(decoding: try JSONEncoder.stable.encode(d), as: UTF8.self))
            return
        }
        if !summary {
            for c in d.changes {
                switch c.kind {
                case .added: print("+ \(c.path)  \(Progress.bytes(Int64(c.after ?? 0)))")
                case .removed: print("- \(c.path)  \(Progress.bytes(Int64(c.before ?? 0)))")
                case .changed:
                    let sizes = c.before != c.after ? "  \(Progress.bytes(Int64(c.before ?? 0))) -> \(Progress.bytes(Int64(c.after ?? 0)))" : ""
                    print("~ \(c.path)  (\(c.what.joined(separator: ", ")))\(sizes)")
                }
            }
        }
        print("\(d.added) added (\(Progress.bytes(Int64(d.bytesAdded)))), \(d.removed) removed (\(Progress.bytes(Int64(d.bytesRemoved)))), \(d.changed) changed")
    }
}
