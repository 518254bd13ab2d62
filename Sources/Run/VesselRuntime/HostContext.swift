import Glibc
import VesselBasics
import VesselImage

/// Who runs the container and from where: what the defaults bind and the user entries added.
public struct HostContext: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var userName: String
    public var gecos: String
    public var home: String
    public var shell: String
    public var groupName: String
    public var cwd: String
    public var environment: [String: String]

    public static func current() -> HostContext {
        let uid = getuid(), gid = getgid()
        let environment = PlainSystem.environment()
        let user = UserEntry.find(uid: uid, environment: environment)
            ?? UserEntry(name: "user\(uid)", gecos: "", home: environment["HOME"] ?? "/", shell: "/bin/sh")
        let group = UserEntry.groupName(gid: gid) ?? "group\(gid)"
        return HostContext(uid: uid, gid: gid, userName: user.name, gecos: user.gecos, home: user.home, shell: user.shell,
                           groupName: group, cwd: PlainSystem.currentDirectory(), environment: environment)
    }
}

/// The user's name, home and shell, found without the static front's NSS: a static program
/// cannot load the NSS modules clusters resolve users with (sssd, LDAP), and glibc's attempt
/// can go wrong. In order: the passwd file; the system's NSS where this program links glibc
/// dynamically (vessel-cli sets `lookUp`); the environment, when $HOME is a directory this
/// uid owns; and, in the front, vessel-cli asked (`user-entry`).
public struct UserEntry: Equatable, Sendable {
    public var name: String
    public var gecos: String
    public var home: String
    public var shell: String

    public init(name: String, gecos: String, home: String, shell: String) {
        self.name = name
        self.gecos = gecos
        self.home = home
        self.shell = shell
    }

    /// getpwuid and getgrgid, set by vessel-cli (dynamically linked, so NSS works there).
    public nonisolated(unsafe) static var lookUp: ((UInt32) -> UserEntry?)?
    public nonisolated(unsafe) static var lookUpGroup: ((UInt32) -> String?)?

    static func find(uid: UInt32, environment: [String: String]) -> UserEntry? {
        if let entry = fromFile(uid: uid) { return entry }
        if let lookUp { return lookUp(uid) ?? fromEnvironment(uid: uid, environment) }
        return fromEnvironment(uid: uid, environment) ?? askingTheCommandLine(uid: uid)
    }

    static func groupName(gid: UInt32) -> String? {
        let fields = (PlainSystem.readText("/etc/group") ?? "").split(separator: "\n")
            .map { $0.split(separator: ":", omittingEmptySubsequences: false) }
            .first { $0.count >= 3 && $0[2] == "\(gid)" }
        return fields.map { String($0[0]) } ?? lookUpGroup?(gid)
    }

    /// The passwd file's line for `uid`.
    static func fromFile(uid: UInt32, path: String = "/etc/passwd") -> UserEntry? {
        for line in (PlainSystem.readText(path) ?? "").split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 7, f[2] == "\(uid)" {
                return UserEntry(name: String(f[0]), gecos: String(f[4]), home: String(f[5]), shell: String(f[6]))
            }
        }
        return nil
    }

    /// $USER (or $LOGNAME) and $HOME, taken only when $HOME is a directory `uid` owns: what a
    /// login or Slurm set, not a name borrowed from someone else.
    static func fromEnvironment(uid: UInt32, _ environment: [String: String]) -> UserEntry? {
        guard let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty, !name.contains(":"),
              let home = environment["HOME"], home.hasPrefix("/"), !home.contains(":") else { return nil }
        var st = stat()
        guard stat(home, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == uid else { return nil }
        let shell = environment["SHELL"].flatMap { $0.hasPrefix("/") && !$0.contains(":") ? $0 : nil } ?? "/bin/sh"
        return UserEntry(name: name, gecos: "", home: home, shell: shell)
    }

    /// vessel-cli's `user-entry UID`: name, GECOS, home and shell on four lines.
    static func askingTheCommandLine(uid: UInt32) -> UserEntry? {
        let cli = PlainSystem.companion("vessel-cli") ?? "vessel-cli"
        guard case .success(let (status, said, _)) = Spawned.run([cli, "user-entry", "\(uid)"], output: true), status == 0 else { return nil }
        let lines = said.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 4, !lines[0].isEmpty else { return nil }
        return UserEntry(name: lines[0], gecos: lines[1], home: lines[2], shell: lines[3])
    }
}
