import Foundation
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
        var name = "user\(uid)", gecos = "", home = environment["HOME"] ?? "/", shell = "/bin/sh"
        if let pw = getpwuid(uid) {
            name = String(cString: pw.pointee.pw_name)
            gecos = String(cString: pw.pointee.pw_gecos)
            home = String(cString: pw.pointee.pw_dir)
            shell = String(cString: pw.pointee.pw_shell)
        }
        var group = "group\(gid)"
        if let gr = getgrgid(gid) { group = String(cString: gr.pointee.gr_name) }
        return HostContext(uid: uid, gid: gid, userName: name, gecos: gecos, home: home, shell: shell, groupName: group,
                           cwd: PlainSystem.currentDirectory(), environment: environment)
    }
}
