import CLinux
import Glibc
import VesselBasics

/// Checks this node for what running containers needs, each check a real attempt made in a
/// child process (the parent stays outside any namespace), with the fix when it fails.
public struct Doctor {
    public struct Check: Codable, Sendable {
        public enum Status: String, Codable, Sendable { case ok, warning, failed }
        public let name: String
        public let status: Status
        public let detail: String
        /// What to do about it; empty when nothing is needed.
        public let fix: String
    }

    public init() {}

    private let uid = getuid(), gid = getgid()

    /// In a probe child: the same user and mount namespace a container gets, with its id maps.
    private func enterNamespaces() -> Int32 {
        do {
            try UserNamespace.enter(uid: uid, gid: gid, fakeroot: false)
        } catch {
            return errno == 0 ? EPERM : errno
        }
        guard mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0,
              mount("tmpfs", "/tmp", "tmpfs", 0, nil) == 0 else { return errno }
        return 0
    }

    public func run() -> [Check] {
        var checks: [Check] = []
        checks.append(kernel())
        let userns = probe { unshare(vessel_clone_newuser) == 0 ? 0 : errno }
        checks.append(userNamespaces(userns))
        checks.append(fuseDevice())
        if userns == 0 {
            checks.append(fuseInUserNamespace())
            checks.append(overlayInUserNamespace())
        }
        checks.append(subordinateIDs())
        checks.append(gpuDriver())
        return checks
    }

    private func kernel() -> Check {
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return Check(name: "kernel", status: .ok, detail: release, fix: "")
    }

    private func userNamespaces(_ result: Int32) -> Check {
        let max = read("/proc/sys/user/max_user_namespaces") ?? "?"
        if result == 0 { return Check(name: "user namespaces", status: .ok, detail: "allowed (max_user_namespaces \(max))", fix: "") }
        var fix = "as root: sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)"
        if read("/proc/sys/kernel/unprivileged_userns_clone") == "0" {
            fix = "as root: sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/)"
        } else if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1" {
            fix = "AppArmor restricts user namespaces: as root, sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give vessel an AppArmor profile with 'userns,'"
        } else if max == "0" {
            fix = "as root: sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)"
        }
        return Check(name: "user namespaces", status: .failed, detail: "refused: \(errnoText(result))", fix: fix)
    }

    private func fuseDevice() -> Check {
        guard PlainSystem.exists("/dev/fuse") else {
            return Check(name: "FUSE device", status: .warning, detail: "/dev/fuse does not exist; images will be unpacked into memory",
                         fix: "as root: modprobe fuse (and load it at boot)")
        }
        let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            return Check(name: "FUSE device", status: .warning, detail: "/dev/fuse: \(errnoText(e)); images will be unpacked into memory",
                         fix: "as root: chmod 0666 /dev/fuse (Debian's udev rules make it so)")
        }
        close(fd)
        return Check(name: "FUSE device", status: .ok, detail: "/dev/fuse is usable", fix: "")
    }

    private func fuseInUserNamespace() -> Check {
        let result = probe {
            let entered = enterNamespaces()
            guard entered == 0 else { return entered }
            let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            return mount("vessel", "/tmp", "fuse.vessel", UInt(MS_NOSUID | MS_NODEV | MS_RDONLY),
                         "fd=\(fd),rootmode=40000,user_id=\(uid),group_id=\(gid)") == 0 ? 0 : errno
        }
        if result == 0 { return Check(name: "FUSE in a user namespace", status: .ok, detail: "images mount with FUSE", fix: "") }
        return Check(name: "FUSE in a user namespace", status: .warning,
                     detail: "refused (\(errnoText(result))); images will be unpacked into memory",
                     fix: "a kernel of 4.18 or later allows it; check that /dev/fuse is usable")
    }

    private func overlayInUserNamespace() -> Check {
        let result = probe {
            let entered = enterNamespaces()
            guard entered == 0 else { return entered }
            for d in ["/tmp/l", "/tmp/u", "/tmp/w", "/tmp/m"] { mkdir(d, 0o755) }
            let options = "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w"
            if mount("overlay", "/tmp/m", "overlay", 0, options) == 0 { return 0 }
            return mount("overlay", "/tmp/m", "overlay", 0, options + ",userxattr") == 0 ? 0 : errno
        }
        if result == 0 { return Check(name: "overlayfs in a user namespace", status: .ok, detail: "allowed", fix: "") }
        if let fuse = FuseOverlay.binary {
            return Check(name: "overlayfs in a user namespace", status: .warning,
                         detail: "refused (\(errnoText(result))); \(fuse) is used instead, a little slower",
                         fix: "a kernel of 5.11 or later allows overlayfs unprivileged")
        }
        return Check(name: "overlayfs in a user namespace", status: .failed, detail: "refused: \(errnoText(result)), and fuse-overlayfs is not installed",
                     fix: "as root: apt-get install fuse-overlayfs (or use a kernel of 5.11 or later, which allows overlayfs unprivileged)")
    }

    private func subordinateIDs() -> Check {
        let name = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "\(getuid())"
        switch SubordinateIDs.find(userName: name, uid: getuid()) {
        case .success:
            return Check(name: "subordinate ids", status: .ok, detail: "newuidmap and an /etc/subuid range for \(name)", fix: "")
        case .failure(let missing):
            return Check(name: "subordinate ids", status: .warning, detail: missing.detail, fix: missing.fix)
        }
    }

    private func gpuDriver() -> Check {
        let libcuda = LdSoCache().find("libcuda.so").first
        let devices = (PlainSystem.directoryNames("/dev") ?? []).filter { $0.hasPrefix("nvidia") }.sorted()
        guard let libcuda else {
            return Check(name: "NVIDIA driver", status: .warning, detail: "none on this node (needed only for --nv)", fix: "")
        }
        return Check(name: "NVIDIA driver", status: .ok,
                     detail: "\(libcuda.path); devices: \(devices.isEmpty ? "none" : devices.joined(separator: " "))", fix: "")
    }

    /// Runs `body` in a child process and returns what it returned (0 or an errno).
    private func probe(_ body: () -> Int32) -> Int32 {
        let pid = vessel_fork()
        if pid == 0 { _exit(body()) }
        guard pid > 0 else { return errno }
        guard let (_, status) = Syscall.wait(pid) else { return EFAULT }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : EFAULT
    }

    private func read(_ path: String) -> String? {
        PlainSystem.readText(path)?.trimmed(newlines: true)
    }
}
