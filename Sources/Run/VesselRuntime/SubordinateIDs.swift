import Glibc
import VesselBasics
import VesselImage

/// Subordinate ids (/etc/subuid, /etc/subgid and the setuid newuidmap/newgidmap), which let
/// --fakeroot map more than one id: what the container start uses and what `vessel doctor`
/// checks, with one wording of what is missing and how to fix it.
enum SubordinateIDs {
    static let newuidmap = "/usr/bin/newuidmap"
    static let newgidmap = "/usr/bin/newgidmap"

    enum Missing: Error, Equatable {
        /// --fakeroot was not asked for.
        case notAsked
        case helpers
        case range(user: String)

        /// What is missing, as a clause.
        var detail: String {
            switch self {
            case .notAsked: return "not asked for"
            case .helpers: return "newuidmap/newgidmap are not installed"
            case .range(let user): return "\(user) has no range in /etc/subuid and /etc/subgid"
            }
        }

        var fix: String {
            switch self {
            case .notAsked: return ""
            case .helpers: return "as root: apt-get install uidmap"
            case .range(let user): return "as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(user)"
            }
        }
    }

    /// The user's ranges, or what is missing.
    static func find(userName: String, uid: UInt32) -> Result<(uids: IDMapping.Range, gids: IDMapping.Range), Missing> {
        guard access(newuidmap, X_OK) == 0, access(newgidmap, X_OK) == 0 else { return .failure(.helpers) }
        // /etc/subgid is keyed by user name (or uid) too.
        guard let u = range(in: "/etc/subuid", name: userName, id: uid),
              let g = range(in: "/etc/subgid", name: userName, id: uid) else { return .failure(.range(user: userName)) }
        return .success((u, g))
    }

    /// The first range for the user in /etc/subuid or /etc/subgid ("name:start:count").
    static func range(in file: String, name: String, id: UInt32) -> IDMapping.Range? {
        guard let text = PlainSystem.readText(file) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":")
            guard f.count == 3, f[0] == name || f[0] == "\(id)", let s = UInt32(f[1]), let c = UInt32(f[2]), c > 0 else { continue }
            return IDMapping.Range(start: s, count: c)
        }
        return nil
    }
}
