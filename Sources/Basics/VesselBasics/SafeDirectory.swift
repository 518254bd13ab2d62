#if canImport(Glibc)
import Glibc
#endif

/// A directory reached without trusting anyone but `trusted` owners along its path: the one way
/// Vessel makes and opens a directory that another user could have made first or replaced (the
/// results scratch, named containers, a shared cache's entries), as root in the plugin and as
/// the user alike.
///
/// From "/", each component is opened with `openat` from the one before and checked on its
/// descriptor (`fstat`):
/// - below a directory others may write to (or one no trusted user owns), nothing is followed
///   (`O_NOFOLLOW`): a symbolic link planted there is a squat; below a trusted owner's directory
///   no one else writes to, a link is that owner's and is followed (a site's /scratch -> /lustre);
/// - each component must be either not writable by others or sticky (so that the names below stay
///   their owners': in a directory anyone may rename entries in, the next one could be swapped
///   after the check), and a trusted owner's unless it lies in a directory only trusted owners
///   write to (then they put it there: a site's /var/spool/slurmd is slurm's);
/// - a missing component is made (mkdirat) with `mode`, exactly, when `mode` is given;
/// - a squat (someone else's directory, a link or a file where a directory is made, below a
///   directory others write to) is refused, or, with `.moveAside` (root, in a sticky
///   directory), renamed out of the way (NAME.not-root.PID.RANDOM) and made anew:
///   nothing of the squatter's is removed, and nothing of theirs is followed.
public enum SafeDirectory {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public enum Squat: Sendable { case refuse, moveAside }

    /// What `open` reports of a squat it moved aside (the plugin logs it).
    public typealias Log = (String) -> Void

    /// Opens absolute `path` as a directory (close the descriptor), making what is missing.
    public static func open(_ path: String, trusting trusted: Set<uid_t>, create mode: mode_t? = nil,
                            squat: Squat = .refuse, log: Log = { _ in }) throws -> Int32 {
        guard path.hasPrefix("/") else { throw Refusal("\(path): not an absolute path") }
        var fd = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Refusal("/: \(errnoText())") }
        var shown = ""
        for part in path.split(separator: "/") where part != "." {
            guard part != ".." else { close(fd); throw Refusal("\(path): has a '..' component") }
            shown += "/" + part
            do {
                let next = try child(fd, String(part), shown: shown, trusting: trusted, create: mode, squat: squat, log: log)
                close(fd)
                fd = next
            } catch {
                close(fd)
                throw error
            }
        }
        return fd
    }

    /// `name` in the directory `parent` (itself reached safely), by the same rules; `shown` is
    /// its path for messages.
    public static func child(_ parent: Int32, _ name: String, shown: String, trusting trusted: Set<uid_t>,
                             create mode: mode_t? = nil, squat: Squat = .refuse, log: Log = { _ in }) throws -> Int32 {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw Refusal("\(shown): not a name") }
        var pst = stat()
        guard fstat(parent, &pst) == 0 else { throw Refusal("\(shown): \(errnoText())") }
        // Only a trusted owner could have put a link in a directory no one else may write to.
        let exposed = pst.st_mode & 0o022 != 0 || !trusted.contains(pst.st_uid)
        for _ in 0..<3 {
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (exposed ? O_NOFOLLOW : 0))
            if fd < 0 {
                let e = errno
                if e == ENOENT, let mode {
                    if mkdirat(parent, name, mode) != 0, errno != EEXIST { throw Refusal("cannot create \(shown): \(errnoText())") }
                    // Exactly `mode`, whatever the umask; only if it is still what was made.
                    let made = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    var st = stat()
                    if made >= 0, fstat(made, &st) == 0, st.st_uid == geteuid() { _ = fchmod(made, mode) }
                    if made >= 0 { close(made) }
                    continue
                }
                guard exposed, e == ELOOP || e == ENOTDIR else { throw Refusal("\(shown): \(errnoText(e))") }
                try moveAside(parent, name, shown: shown, what: "not a directory (a symbolic link?)", squat: squat, log: log)
                continue
            }
            var st = stat()
            guard fstat(fd, &st) == 0 else { close(fd); throw Refusal("\(shown): \(errnoText())") }
            let keepsNames = st.st_mode & 0o022 == 0 || st.st_mode & S_ISVTX != 0
            // In a directory only trusted owners write to, what is there is theirs to have put
            // there, whoever owns it now (a site's /var/spool/slurmd is slurm's).
            if keepsNames, trusted.contains(st.st_uid) || !exposed { return fd }
            close(fd)
            guard exposed else { throw Refusal("\(shown) is writable by others and not sticky (mode \(String(st.st_mode & 0o7777, radix: 8))); refused") }
            let why = trusted.contains(st.st_uid)
                ? "writable by others and not sticky (mode \(String(st.st_mode & 0o7777, radix: 8)))"
                : "owned by \(ownerName(st.st_uid)), not by \(trusted.sorted().map(ownerName).joined(separator: " or "))"
            try moveAside(parent, name, shown: shown, what: why, squat: squat, log: log)
        }
        throw Refusal("\(shown) keeps being replaced; refused")
    }

    /// Renamed, not removed: nothing of the squatter's is lost, and nothing of theirs followed.
    private static func moveAside(_ parent: Int32, _ name: String, shown: String, what: String, squat: Squat, log: Log) throws {
        guard squat == .moveAside else { throw Refusal("\(shown) is \(what); refused") }
        let aside = "\(name).not-root.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        guard renameat(parent, name, parent, aside) == 0 else {
            throw Refusal("\(shown) is \(what), and cannot be moved aside: \(errnoText())")
        }
        log("\(shown) was \(what); moved aside to \(aside)")
    }

    /// A user's name for messages, or `uid N`.
    public static func ownerName(_ uid: uid_t) -> String {
        uid == 0 ? "root" : getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(uid)"
    }

    /// A path that reaches a directory descriptor's directory, for code that works by name.
    public static func path(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }
}
