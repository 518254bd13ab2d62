import Foundation
import VesselBasics
import VesselBuild
import VesselOCI
import VesselRegistry
import VesselWire

/// What the image gateway does for a request: a public registry image, pulled (anonymously, or
/// with credentials only the site gives the gateway's user) and converted once per digest into
/// the gateway's cache, which only its user can write; the answer is the converted file.
///
/// Requests name a `docker://` reference and a platform, nothing else: no path of the caller's
/// is ever read or written, and the cache key (ImageCache.key) decides every name the gateway
/// writes. Requests for one digest wait for its one conversion (the cache's lock); at most
/// `conversions` run at once; past `maximumBytes` the least recently used images go.
public final class GatewayService: @unchecked Sendable {
    /// Who asked, as the socket says (SO_PEERCRED).
    public struct Peer: Sendable {
        public let uid: uid_t
        public let pid: pid_t
        public var name: String { SafeDirectory.ownerName(uid) }
    }

    public let cache: ImageCache
    private let puller: Puller
    private let maximumBytes: Int64?
    private let evicting = NSLock()
    /// How often a client waiting on a conversion hears that it goes on.
    static let heartbeatSeconds = 20.0

    public init(cacheRoot: String, registry: RegistryOptions, conversions: Int, maximumBytes: Int64?) throws {
        // The cache is the gateway user's alone: nothing on its way is anyone else's to swap.
        let fd = try SafeDirectory.open(cacheRoot, trusting: [getuid(), 0], create: 0o755)
        var st = stat()
        let mine = fstat(fd, &st) == 0 && st.st_uid == getuid() && st.st_mode & 0o022 == 0
        close(fd)
        guard mine else { throw GatewayError("\(cacheRoot): must be a directory of \(SafeDirectory.ownerName(getuid()))'s that no one else may write to") }
        cache = try ImageCache(root: cacheRoot)
        var puller = Puller(registry: registry, cacheRoot: cacheRoot)
        puller.conversions = ConversionSlots(conversions)
        puller.announceCached = false
        puller.log = { line in FileHandle.standardError.write(Data("vessel gateway: \(line)\n".utf8)) }
        self.puller = puller
        self.maximumBytes = maximumBytes
        removePartialDownloads()
    }

    /// Downloads a killed gateway left: it is the cache's only writer, so none is under way.
    private func removePartialDownloads() {
        let dir = cache.own + "/blobs/sha256"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.contains(".partial") {
            unlink(dir + "/" + name)
        }
    }

    public func resolve(_ reference: String, platform: String?, for peer: Peer, waiting: @escaping @Sendable (String) -> Void) -> GatewayMessage {
        guard reference.hasPrefix("docker://") else {
            log(peer, "\(reference): refused (not docker://)")
            return .error("\(reference): the gateway takes docker:// references to registry images only")
        }
        var options: BuildOptions
        do {
            _ = try RegistryReference(parsing: reference)
            options = try BuildOptions.defaults()
        } catch {
            log(peer, "\(reference): refused (\(error))")
            return .error("\(reference): \(error)")
        }
        options.platform = platform.map { Platform(parsing: $0) }
        let started = Date()
        let heartbeat = Heartbeat(every: Self.heartbeatSeconds) { waiting("working on \(reference)") }
        defer { heartbeat.stop() }
        do {
            let report = try puller.pull(reference, output: nil, options: options, progressStyle: .quiet)
            log(peer, "\(reference): \(report.output) (\(report.cached ? "converted before" : "converted") in \(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
            evict(keeping: report.output)
            return .image(report.output)
        } catch {
            log(peer, "\(reference): failed: \(error)")
            return .error("\(reference): \(error)")
        }
    }

    /// Who asked for what, one line each (the journal keeps it).
    func log(_ peer: Peer, _ what: String) {
        FileHandle.standardError.write(Data("vessel gateway: uid \(peer.uid) (\(peer.name)) pid \(peer.pid): \(what)\n".utf8))
    }

    /// Least recently used images go until the cache holds at most maximumBytes (never `kept`,
    /// just handed out). A container running one keeps its open file.
    private func evict(keeping kept: String) {
        guard let maximumBytes else { return }
        evicting.lock()
        defer { evicting.unlock() }
        var images = cache.images().sorted { $0.lastUsed < $1.lastUsed }
        var total = images.reduce(Int64(0)) { $0 + $1.bytes }
        while total > maximumBytes, let oldest = images.first {
            images.removeFirst()
            guard oldest.path != kept, (try? cache.remove(oldest)) != nil else { continue }
            total -= oldest.bytes
            FileHandle.standardError.write(Data("vessel gateway: evicted \(oldest.path) (\(oldest.record.source)): the cache is over \(maximumBytes) bytes\n".utf8))
        }
    }
}

/// Calls `beat` every `seconds` on a thread of its own until stopped.
final class Heartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    init(every seconds: Double, _ beat: @escaping @Sendable () -> Void) {
        Thread { [self] in
            condition.lock()
            while !stopped {
                if !condition.wait(until: Date().addingTimeInterval(seconds)), !stopped { beat() }
            }
            condition.unlock()
        }.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
