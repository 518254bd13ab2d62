import Foundation
import VesselImage
import VesselSquashFS

/// What changed between two images, path by path: added, removed, changed (type, mode, owner,
/// link target, size or content). Vessel's own /.vessel/ is left out unless asked for.
public struct ImageDiff: Codable, Sendable {
    public struct Change: Codable, Sendable {
        public enum Kind: String, Codable, Sendable { case added, removed, changed }
        public let kind: Kind
        public let path: String
        /// Sizes of regular files (and link targets) before and after.
        public let before: UInt64?
        public let after: UInt64?
        /// What differs, for a change: content, size, mode, owner, type, target.
        public let what: [String]
    }

    public let changes: [Change]
    public var added: Int { changes.filter { $0.kind == .added }.count }
    public var removed: Int { changes.filter { $0.kind == .removed }.count }
    public var changed: Int { changes.filter { $0.kind == .changed }.count }
    public var bytesAdded: UInt64 { changes.filter { $0.kind == .added }.reduce(0) { $0 + ($1.after ?? 0) } }
    public var bytesRemoved: UInt64 { changes.filter { $0.kind == .removed }.reduce(0) { $0 + ($1.before ?? 0) } }

    public init(_ a: String, _ b: String, includeMetadata: Bool = false) throws {
        let old = try SquashFSListing(path: a), new = try SquashFSListing(path: b)
        func wanted(_ p: String) -> Bool { includeMetadata || !(p == "/.vessel" || p.hasPrefix("/.vessel/")) }
        var out: [Change] = []
        for p in Set(old.entries.keys).union(new.entries.keys).sorted() where wanted(p) {
            switch (old.entries[p], new.entries[p]) {
            case (nil, let n?): out.append(Change(kind: .added, path: p, before: nil, after: n.size, what: []))
            case (let o?, nil): out.append(Change(kind: .removed, path: p, before: o.size, after: nil, what: []))
            case (let o?, let n?):
                var what: [String] = []
                if o.kind != n.kind { what.append("type") }
                if o.mode != n.mode { what.append("mode") }
                if o.uid != n.uid || o.gid != n.gid { what.append("owner") }
                if o.target != n.target { what.append("target") }
                if o.kind == "f", n.kind == "f" {
                    if o.size != n.size { what.append("size") } else if !(try old.sameContent(p, as: new, p)) { what.append("content") }
                }
                if !what.isEmpty { out.append(Change(kind: .changed, path: p, before: o.size, after: n.size, what: what)) }
            default: break
            }
        }
        changes = out
    }
}
