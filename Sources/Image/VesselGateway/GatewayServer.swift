import CLinux
import Foundation
import VesselBasics
import VesselWire

/// The image gateway's socket: it listens on a UNIX socket (one systemd's vessel-gateway.socket
/// passes it, or one it binds itself), and answers each connection on a thread of its own,
/// at most `maximumConnections` at once. Each connection is one request, read with a deadline
/// and a size limit, answered by `GatewayService`; who asked is known from the socket itself
/// (SO_PEERCRED), never from what the request says.
public final class GatewayServer: @unchecked Sendable {
    public static let maximumConnections = 64
    /// How long a client has to send its request line.
    public static let requestSeconds = 5

    private let listener: Int32
    private let service: GatewayService
    private let lock = NSLock()
    private var connections = 0

    /// Listens on the socket systemd passes (LISTEN_FDS=1 for this process), else on `path`,
    /// bound here: its directory must be this user's (or root's) and no one else's to write.
    public init(socket path: String?, service: GatewayService) throws {
        self.service = service
        let env = ProcessInfo.processInfo.environment
        if env["LISTEN_FDS"] == "1", env["LISTEN_PID"] == "\(getpid())" {
            listener = 3
            _ = fcntl(3, F_SETFD, FD_CLOEXEC)
            return
        }
        guard let path else { throw GatewayError("no socket: give --socket PATH, or start it from vessel-gateway.socket") }
        listener = try Self.bind(path)
    }

    private static func bind(_ path: String) throws -> Int32 {
        guard let slash = path.lastIndex(of: "/"), path.hasPrefix("/") else { throw GatewayError("\(path): not an absolute path") }
        let dir = try SafeDirectory.open(slash == path.startIndex ? "/" : String(path[..<slash]), trusting: [getuid(), 0], create: 0o755)
        defer { close(dir) }
        let name = String(path[path.index(after: slash)...])
        // A socket of ours left by an earlier run goes; anything else there is not ours to remove.
        var st = stat()
        if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK, st.st_uid == getuid() else { throw GatewayError("\(path) exists and is not a socket of this user's") }
            unlinkat(dir, name, 0)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw GatewayError("socket: \(errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); throw GatewayError("\(path): too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let size = socklen_t(MemoryLayout<sockaddr_un>.size)
        let bound = withUnsafePointer(to: &address) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, size) } }
        // Anyone may connect: the gateway answers everyone, and knows who asked.
        guard bound == 0, chmod(path, 0o666) == 0, listen(fd, 128) == 0 else {
            let why = errnoText()
            close(fd)
            throw GatewayError("\(path): \(why)")
        }
        return fd
    }

    /// Accepts connections until the process ends.
    public func run() -> Never {
        signal(SIGPIPE, SIG_IGN)
        while true {
            let fd = Syscall.retrying { accept(listener, nil, nil) }
            if fd < 0 { usleep(10_000); continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            lock.lock()
            let admitted = connections < Self.maximumConnections
            if admitted { connections += 1 }
            lock.unlock()
            guard admitted else {
                _ = Syscall.writeAll(fd, Array(GatewayMessage.error("the gateway is busy (\(Self.maximumConnections) requests under way); try again").line.utf8))
                close(fd)
                continue
            }
            let thread = Thread { [self] in
                serve(fd)
                close(fd)
                lock.lock()
                connections -= 1
                lock.unlock()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var uid: uid_t = 0, pid: pid_t = 0
        guard vessel_peer_credentials(fd, &uid, &pid) == 0 else { return }
        let peer = GatewayService.Peer(uid: uid, pid: pid)
        let reply = Reply(fd)
        guard let line = readRequest(fd) else {
            reply.send(.error("no request within \(Self.requestSeconds) s, or one longer than \(GatewayMessage.maximumRequest) bytes"))
            service.log(peer, "a bad request: refused")
            return
        }
        guard case .resolve(let reference, let platform)? = GatewayMessage(line: Substring(line)) else {
            reply.send(.error("not a request (RESOLVE\\tREFERENCE\\tPLATFORM)"))
            service.log(peer, "a bad request: refused")
            return
        }
        reply.send(service.resolve(reference, platform: platform, for: peer, waiting: { reply.send(.wait($0)) }))
    }

    /// The request line, read within requestSeconds and maximumRequest bytes.
    private func readRequest(_ fd: Int32) -> String? {
        var timeout = timeval(tv_sec: Self.requestSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count <= GatewayMessage.maximumRequest {
            guard Syscall.retrying({ read(fd, &byte, 1) }) == 1 else { return nil }
            if byte == 0x0a { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// A connection's replies, written whole by one thread at a time (a conversion's WAIT lines
    /// come from another).
    private final class Reply: @unchecked Sendable {
        let fd: Int32
        let lock = NSLock()
        init(_ fd: Int32) { self.fd = fd }
        func send(_ message: GatewayMessage) {
            lock.lock()
            _ = Syscall.writeAll(fd, Array(message.line.utf8))
            lock.unlock()
        }
    }
}

/// Why the gateway cannot start, in one line.
public struct GatewayError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
