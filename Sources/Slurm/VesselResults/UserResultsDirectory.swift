import Foundation

/// RESULTS_ROOT/USER, the directory each user's job results go under, held open. A results root
/// is shared (a group's `root:grp 2770`, or a 1777 directory): another user could make
/// ROOT/victim first, world-writable, and then replace what lands there, or swap the name for
/// another directory between a check and a copy. So USER is made with mkdirat (mode 0700),
/// opened with O_NOFOLLOW, refused unless this user owns it and no one else may write to it,
/// and everything below is reached through the descriptor (`path`), never through the name.
public final class UserResultsDirectory {
    public let fd: Int32
    /// ROOT/USER as the user knows it: for messages.
    public let name: String

    public init(root: String, user: String) throws {
        name = root + "/" + user
        guard !user.isEmpty, !user.contains("/"), user != ".", user != ".." else {
            throw ResultError.refused("\(name): not a user name")
        }
        // The root itself is the site's or the user's choice (vessel.conf, --results): made if
        // missing, followed if a link.
        var path = root.hasPrefix("/") ? "" : "."
        for part in root.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o755) != 0, errno != EEXIST {
                throw ResultError.refused("cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw ResultError.refused("cannot open \(root): \(String(cString: strerror(errno)))") }
        defer { close(rootFD) }
        if mkdirat(rootFD, user, 0o700) != 0, errno != EEXIST {
            throw ResultError.refused("cannot create \(name): \(String(cString: strerror(errno)))")
        }
        let fd = openat(rootFD, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw ResultError.refused("\(name): " + (e == ELOOP || e == ENOTDIR ? "not a directory (a symbolic link?); refused" : String(cString: strerror(e))))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); throw ResultError.refused("\(name): \(String(cString: strerror(errno)))") }
        if st.st_uid != getuid() {
            close(fd)
            let owner = getpwuid(st.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(st.st_uid)"
            throw ResultError.refused("\(name) is owned by \(owner), not by you; refused (someone else made it: ask them or an admin to remove it)")
        }
        if st.st_mode & 0o022 != 0 {
            close(fd)
            throw ResultError.refused("\(name) is writable by others (mode \(String(st.st_mode & 0o7777, radix: 8))); refused (chmod go-w \(name))")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// A path through the descriptor, for what lies below.
    public var path: String { "/proc/self/fd/\(fd)" }

    /// `text` with the descriptor's path given back its name.
    public func named(_ text: String) -> String { text.replacingOccurrences(of: path, with: name) }
}
