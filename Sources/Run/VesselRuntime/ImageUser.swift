import Glibc
import VesselBasics
import VesselImage

/// An image's User: "uid", "uid:gid", "name" or "name:group", as the OCI config writes it.
struct ImageUser: Sendable {
    let text: String
    let uid: UInt32?
    let gid: UInt32?
    private let userName: String
    private let groupName: String?

    init(_ text: String) {
        self.text = text
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        userName = parts[0]
        groupName = parts.count > 1 ? parts[1] : nil
        uid = UInt32(userName)
        gid = groupName.flatMap { UInt32($0) }
    }

    /// The ids, looked up in the container's /etc/passwd and /etc/group (call inside).
    func resolve() -> (UInt32, UInt32)? {
        func fields(_ file: String, _ key: String) -> [Substring]? {
            guard let text = PlainSystem.readText(file) else { return nil }
            return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
                .first { $0.count > 3 && ($0[0] == key || $0[2] == key) }
        }
        let entry = fields("/etc/passwd", userName)
        guard let u = uid ?? entry.flatMap({ UInt32($0[2]) }) else { return nil }
        var g = gid ?? entry.flatMap { UInt32($0[3]) } ?? u
        if gid == nil, let name = groupName, let group = fields("/etc/group", name), let id = UInt32(group[2]) { g = id }
        return (u, g)
    }
}
