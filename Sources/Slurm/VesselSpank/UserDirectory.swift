import CVesselSpank
import VesselSpankRequest
#if canImport(Glibc)
import Glibc
#endif

/// A directory of the job's user below a root-owned one on a shared or node-local file system
/// (results scratch, named containers): PARENT/NAME is root's, 0755 (one someone else made first
/// is moved aside, never used), and PARENT/NAME/UID is made there by root and handed to the
/// user, 0700, in the step's root phase, before privileges are dropped. Below it, the user's
/// processes make what they need where no one else can.
enum UserDirectory {
    /// As root (slurmstepd's init_post_opt): PARENT/NAME and PARENT/NAME/UID. Idempotent:
    /// Slurm may call it for every step. `option` names what needs it, in messages.
    static func prepare(in parent: String, named directoryName: String, uid: uid_t, gid: gid_t, option: String) throws {
        let top = parent + "/" + directoryName
        // PARENT is the site's (plugstack.conf): made, with its parents, when missing.
        var prefix = ""
        for part in parent.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw OptionError("\(option): cannot create \(prefix): \(String(cString: strerror(errno)))") }
        }
        let scratch = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard scratch >= 0 else { throw OptionError("\(option): \(parent): \(String(cString: strerror(errno)))") }
        defer { close(scratch) }
        let base = try rootOwnedDirectory(in: scratch, named: directoryName, shown: top, option: option)
        defer { close(base) }
        let name = "\(uid)"
        if mkdirat(base, name, 0o700) != 0, errno != EEXIST {
            throw OptionError("\(option): cannot create \(top)/\(name): \(String(cString: strerror(errno)))")
        }
        // Only root writes in `base`, so what is there is root's making: hand it to the user.
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw OptionError("\(option): \(top)/\(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchown(fd, uid, gid) == 0, fchmod(fd, 0o700) == 0 else {
            throw OptionError("\(option): \(top)/\(name): \(String(cString: strerror(errno)))")
        }
    }

    /// `name` in `parent` as a directory of root's that no one else may write to, made if
    /// missing; one that is not (a user made it first) is moved aside, never used.
    private static func rootOwnedDirectory(in parent: Int32, named name: String, shown: String, option: String) throws -> Int32 {
        for _ in 0..<3 {
            if mkdirat(parent, name, 0o755) != 0, errno != EEXIST {
                throw OptionError("\(option): cannot create \(shown): \(String(cString: strerror(errno)))")
            }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var st = stat()
            if fd >= 0, fstat(fd, &st) == 0, st.st_uid == 0, st.st_mode & 0o022 == 0 { return fd }
            if fd >= 0 { close(fd) }
            // Someone else's (or not a directory): renamed, not removed, so that nothing of
            // theirs is lost and nothing of theirs is followed.
            let aside = "\(name).not-root.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
            guard renameat(parent, name, parent, aside) == 0 else {
                throw OptionError("\(option): \(shown) is not root's and cannot be moved aside: \(String(cString: strerror(errno)))")
            }
            vessel_spank_info("\(shown) was not root's; moved aside to \(aside)")
        }
        throw OptionError("\(option): \(shown) keeps being replaced; refused")
    }
}
