import Foundation
import VesselBasics
import VesselImage
import VesselWire

/// Asks the site's image gateway (`gateway =` in /etc/vessel/vessel.conf, `vessel gateway` as the
/// site's `vessel` user) for a public image: it converts each digest once for everyone, into a
/// cache only it can write. What it answers is used only if the file and every directory on
/// its way belong to the gateway's user (`gateway-user`, the site's) or root and no one else may
/// write them, checked on descriptors: a gateway socket someone else set up cannot hand out a
/// file of theirs.
public struct GatewayClient: Sendable {
    public let socket: String
    public let trustedOwners: Set<uid_t>

    /// The answer to one request.
    public enum Answer: Equatable {
        case image(String)
        /// The gateway would not or could not: its one line.
        case refused(String)
        /// No gateway answered: why.
        case unreachable(String)
    }

    /// How long a client waits between two lines from the gateway (it sends WAIT while it works).
    public static let idleSeconds = 300.0

    public init(socket: String, user: uid_t) {
        self.socket = socket
        trustedOwners = [user, 0]
    }

    /// The gateway the site configures, when it names one whose user exists.
    public static func configured(_ config: SiteConfig) -> GatewayClient? {
        guard let socket = config.gateway, let pw = getpwnam(config.gatewayUser) else { return nil }
        return GatewayClient(socket: socket, user: pw.pointee.pw_uid)
    }

    /// Whether an image built with `options` is what the gateway makes (it converts with the
    /// defaults, for the platform asked): anything else is converted by the user.
    public static func serves(_ options: BuildOptions) -> Bool {
        guard let d = try? BuildOptions.defaults() else { return false }
        return options.compression.algorithm == d.compression.algorithm && options.compression.level == d.compression.level
            && options.compression.blockSize == d.compression.blockSize && options.sourceDateEpoch == nil
            && options.compatMetadata == d.compatMetadata
    }

    public func resolve(_ reference: String, platform: String?, log: (String) -> Void = { _ in }) -> Answer {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .unreachable(errnoText()) }
        defer { close(fd) }
        guard connectUnix(fd, socket) else { return .unreachable(errnoText()) }
        guard Syscall.writeAll(fd, Array(GatewayMessage.resolve(reference: reference, platform: platform).line.utf8)) else {
            return .unreachable(errnoText())
        }
        var pending: [UInt8] = []
        while true {
            guard let line = readLine(fd, &pending) else { return .unreachable("it closed the connection without an answer") }
            switch GatewayMessage(line: Substring(line)) {
            case .wait(let why)?: log(why)
            case .image(let path)?:
                if let why = untrusted(path) { return .refused("\(path): \(why); not used") }
                return .image(path)
            case .error(let why)?: return .refused(why)
            default: return .refused("it answered what is not its protocol")
            }
        }
    }

    /// Why the file the gateway named is not to be used, or nil when it is.
    func untrusted(_ path: String) -> String? {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return "not an absolute path" }
        let dir: Int32
        do { dir = try SafeDirectory.open(String(path[..<slash]), trusting: trustedOwners) } catch { return "\(error)" }
        defer { close(dir) }
        var st = stat()
        guard fstat(dir, &st) == 0, trustedOwners.contains(st.st_uid), st.st_mode & 0o022 == 0 else {
            return "its directory is not the gateway's alone"
        }
        let fd = openat(dir, String(path[path.index(after: slash)...]), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return errnoText() }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, trustedOwners.contains(st.st_uid), st.st_mode & 0o022 == 0 else {
            return "not a file of the gateway's user that only it may write"
        }
        return nil
    }

    /// One line (without its newline), waiting at most idleSeconds for it; nil at the end, on
    /// an error, or past GatewayMessage.maximumReply.
    private func readLine(_ fd: Int32, _ pending: inout [UInt8]) -> String? {
        while true {
            if let nl = pending.firstIndex(of: 0x0a) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                return line
            }
            guard pending.count < GatewayMessage.maximumReply else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard Syscall.retrying({ poll(&p, 1, Int32(Self.idleSeconds * 1000)) }) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = Syscall.retrying { read(fd, &chunk, chunk.count) }
            guard n > 0 else { return nil }
            pending += chunk[..<n]
        }
    }
}

/// connect(2) to a UNIX socket by path (at most 107 bytes, as sockaddr_un holds).
public func connectUnix(_ fd: Int32, _ path: String) -> Bool {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { errno = ENAMETOOLONG; return false }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
        raw[bytes.count] = 0
    }
    let size = socklen_t(MemoryLayout<sockaddr_un>.size)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in Syscall.retrying { connect(fd, a, size) } }
    } == 0
}
