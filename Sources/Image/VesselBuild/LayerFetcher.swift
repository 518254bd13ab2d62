import Foundation
import VesselImage
import VesselOCI
import VesselRegistry

/// Downloads an image's layer blobs into the cache on a few threads, top layer first, because the
/// converter merges top-down and can start on the top layer while lower ones still arrive.
/// Each blob is fetched under its own cache lock, so concurrent pulls download it once.
final class LayerFetcher: @unchecked Sendable {
    private let client: RegistryClient
    private let repository: String
    private let cache: ImageCache
    private let layers: [Descriptor]
    private let progress: (Int) -> Void
    private let log: (String) -> Void
    private let cond = NSCondition()
    private var done: Set<Int> = []
    private var failure: Error?
    private var next: [Int]
    private var running = 0
    private var cancelled = false

    init(client: RegistryClient, repository: String, cache: ImageCache, layers: [Descriptor], parallel: Int,
         progress: @escaping (Int) -> Void, log: @escaping (String) -> Void) {
        self.client = client
        self.repository = repository
        self.cache = cache
        self.layers = layers
        self.progress = progress
        self.log = log
        next = Array(layers.indices)  // popped from the end: the top layer first
        running = max(1, min(parallel, layers.count))
        for _ in 0..<running {
            let t = Thread { [self] in work() }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Returns once layer `index` is in the cache, or throws the first download error.
    func wait(for index: Int) throws {
        cond.lock(); defer { cond.unlock() }
        while !done.contains(index) {
            if let failure { throw failure }
            cond.wait()
        }
    }

    /// Stops the downloads (the build failed) and waits until every worker has let go of its
    /// lock; what was downloaded so far stays as a partial file for the next pull to resume.
    func cancel() {
        cond.lock()
        next.removeAll()
        cancelled = true
        while running > 0 { cond.wait() }
        cond.unlock()
    }

    private var isCancelled: Bool {
        cond.lock(); defer { cond.unlock() }
        return cancelled
    }

    private func work() {
        defer { cond.lock(); running -= 1; cond.broadcast(); cond.unlock() }
        while true {
            cond.lock()
            guard failure == nil, !cancelled, let i = next.popLast() else { cond.unlock(); return }
            cond.unlock()
            do {
                try fetch(layers[i])
                cond.lock(); done.insert(i); cond.broadcast(); cond.unlock()
            } catch {
                cond.lock()
                if failure == nil { failure = error }
                cond.broadcast()
                cond.unlock()
                return
            }
        }
    }

    private func fetch(_ d: Descriptor) throws {
        if cache.hasBlob(d.digest, size: d.size) {
            cache.touchBlob(d.digest)
            progress(Int(d.size))
            return
        }
        let lock = try cache.lock("blob-" + d.digest.hex, log: log)
        defer { lock.release() }
        if cache.hasBlob(d.digest, size: d.size) { progress(Int(d.size)); return }
        try Self.download(client: client, repository: repository, cache: cache, digest: d.digest, size: d.size,
                          progress: progress, stop: { [unowned self] in isCancelled })
    }

    /// Streams one blob into the cache; a transient failure keeps the partial file for a resume.
    static func download(client: RegistryClient, repository: String, cache: ImageCache, digest: Digest, size: Int64,
                         progress: @escaping (Int) -> Void, stop: @escaping () -> Bool) throws {
        let file = try BlobFile(cache: cache, digest: digest, size: size, progress: progress, stop: stop)
        do {
            try client.blob(repository, digest, size: size, into: file)
        } catch is BlobFile.Stopped {
            throw BlobFile.Stopped()
        } catch let e as RegistryError {
            if case .unreachable = e {} else { file.discard() }
            throw e
        } catch {
            file.discard()
            throw error
        }
        try file.commit()
    }
}
