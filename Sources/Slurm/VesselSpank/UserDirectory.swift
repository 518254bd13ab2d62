import CVesselSpank
import VesselBasics
import VesselSpankRequest
#if canImport(Glibc)
import Glibc
#endif

/// A directory of the job's user below a root-owned one on a shared or node-local file system
/// (results scratch, named containers): PARENT/NAME is root's, 0755, and PARENT/NAME/UID is made
/// there by root and handed to the user, 0700, in the step's root phase, before privileges are
/// dropped. Below it, the user's processes make what they need where no one else can.
///
/// Everything on the way is reached through SafeDirectory as root's: PARENT is the site's
/// (plugstack.conf) and made when missing, but a component another user made first (a symbolic
/// link to their directory, under /tmp) is moved aside, never followed; so is a NAME that is
/// not root's.
enum UserDirectory {
    /// As root (slurmstepd's init_post_opt): PARENT/NAME and PARENT/NAME/UID. Idempotent:
    /// Slurm may call it for every step. `option` names what needs it, in messages.
    static func prepare(in parent: String, named directoryName: String, uid: uid_t, gid: gid_t, option: String) throws {
        let top = parent + "/" + directoryName
        let base: Int32
        do {
            let scratch = try SafeDirectory.open(parent, trusting: [0], create: 0o755, squat: .moveAside, log: logMoved)
            defer { close(scratch) }
            base = try SafeDirectory.child(scratch, directoryName, shown: top, trusting: [0], create: 0o755, squat: .moveAside, log: logMoved)
        } catch let refusal as SafeDirectory.Refusal {
            throw OptionError("\(option): \(refusal)")
        }
        defer { close(base) }
        var st = stat()
        guard fstat(base, &st) == 0, st.st_mode & 0o022 == 0 else { throw OptionError("\(option): \(top) is writable by others; refused") }
        let name = "\(uid)"
        if mkdirat(base, name, 0o700) != 0, errno != EEXIST {
            throw OptionError("\(option): cannot create \(top)/\(name): \(errnoText())")
        }
        // Only root writes in `base`, so what is there is root's making: hand it to the user.
        let fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw OptionError("\(option): \(top)/\(name): \(errnoText())") }
        defer { close(fd) }
        guard fchown(fd, uid, gid) == 0, fchmod(fd, 0o700) == 0 else {
            throw OptionError("\(option): \(top)/\(name): \(errnoText())")
        }
    }

    /// As the job's user: PARENT/NAME/UID, checked all the way (root's, then the user's own),
    /// and `below` in it made 0700 if missing; its descriptor, which the caller closes.
    static func open(_ userDirectory: String, uid: uid_t, below: String? = nil, option: String) throws -> Int32 {
        do {
            let fd = try SafeDirectory.open(userDirectory, trusting: [0, uid])
            var st = stat()
            guard fstat(fd, &st) == 0, st.st_uid == uid, st.st_mode & 0o077 == 0 else {
                close(fd)
                throw OptionError("\(option): \(userDirectory) is not a private directory of the job's user")
            }
            guard let below else { return fd }
            defer { close(fd) }
            return try SafeDirectory.child(fd, below, shown: userDirectory + "/" + below, trusting: [uid], create: 0o700)
        } catch let refusal as SafeDirectory.Refusal {
            throw OptionError("\(option): \(refusal)")
        }
    }

    private static func logMoved(_ line: String) { vessel_spank_info(line) }
}
