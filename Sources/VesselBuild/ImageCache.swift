import Foundation
import VesselOCI

/// The cache, shared by every process and (on a shared file system) every node of a group:
///
///     ROOT/blobs/sha256/HEX          verified blobs, by digest
///     ROOT/blobs/sha256/HEX.partial  a download in progress (resumed by the next one)
///     ROOT/images/KEY.sqsh           converted images, by manifest digest and build options
///     ROOT/images/KEY.json           what each one is (source, digest, options, sizes)
///     ROOT/locks/                    one lock per blob and per image being made
///
/// Files appear under their final name only when complete (rename), so a reader never sees a
/// partial file; writers take the lock first, so each blob is downloaded and each image
/// converted once however many processes ask for it at the same time.
public struct ImageCache: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        // A new account has no ~/.cache yet.
        try? FileManager.default.createDirectory(atPath: (root as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for dir in ["", "/blobs", "/blobs/sha256", "/images", "/locks"] {
            let p = root + dir
            if mkdir(p, 0o777) != 0, errno != EEXIST {
                throw CacheError.unusable(root, reason: "cannot create \(p): \(String(cString: strerror(errno)))")
            }
        }
        guard access(root + "/locks", W_OK) == 0, access(root + "/images", W_OK) == 0 else {
            throw CacheError.unusable(root, reason: "not writable by this user")
        }
    }

    /// VESSEL_CACHE, the config's cache-dir, or ~/.cache/vessel ($XDG_CACHE_HOME/vessel).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   config: SiteConfig = .load()) -> String {
        if let c = environment["VESSEL_CACHE"], !c.isEmpty { return c }
        if let c = config.cacheDirectory { return c }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/vessel" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/vessel"
    }

    public func blobPath(_ d: Digest) -> String { root + "/blobs/sha256/" + d.hex }
    public func imagePath(_ key: String) -> String { root + "/images/" + key + ".sqsh" }
    func recordPath(_ key: String) -> String { root + "/images/" + key + ".json" }
    func lockPath(_ name: String) -> String { root + "/locks/" + name + ".lock" }

    public func hasBlob(_ d: Digest, size: Int64) -> Bool {
        var st = stat()
        return stat(blobPath(d), &st) == 0 && Int64(st.st_size) == size
    }

    public func lock(_ name: String, log: (String) -> Void) throws -> CacheLock {
        try CacheLock.acquire(lockPath(name)) { holder in log("waiting for \(holder), which is making \(name) in \(root)") }
    }

    /// Writes a small verified blob (a config) under its digest.
    public func storeBlob(_ bytes: [UInt8], digest: Digest) throws {
        try Self.writeAtomically(bytes, to: blobPath(digest))
    }

    // MARK: Converted images

    /// The cache key of a conversion: everything that decides the output's bytes.
    /// The platform counts: an index may list one manifest under two platforms, and the
    /// provenance records the one chosen.
    public static func key(manifest: Digest, platform: Platform?, options: BuildOptions) -> String {
        let c = options.compression
        let text = ["vessel \(VesselVersion.current)", "manifest \(manifest)", "platform \(platform?.description ?? "-")", "compression \(c.algorithm.rawValue) \(c.level.map(String.init) ?? "-")",
                    "block \(c.blockSize)", "epoch \(options.sourceDateEpoch.map(String.init) ?? "-")",
                    "compat \(options.compatMetadata)"].joined(separator: "\n")
        return String(Digest.of(Array(text.utf8)).hex.prefix(32))
    }

    public func cachedImage(_ key: String) -> CachedImage? {
        guard let data = FileManager.default.contents(atPath: recordPath(key)),
              let record = try? JSONDecoder().decode(CachedImage.Record.self, from: data) else { return nil }
        var st = stat()
        guard stat(imagePath(key), &st) == 0 else { return nil }
        return CachedImage(key: key, path: imagePath(key), record: record, bytes: Int64(st.st_size), lastUsed: Self.mtime(recordPath(key)))
    }

    public func record(_ record: CachedImage.Record, key: String) throws {
        try Self.writeAtomically(Array(try JSONEncoder.stable.encode(record)) + [0x0a], to: recordPath(key))
    }

    /// Marks an image used now, for `cache clean --older-than`.
    public func touch(_ key: String) { utimes(recordPath(key), nil) }

    public func images() -> [CachedImage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/images")) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { cachedImage(String($0.dropLast(5))) }
            .sorted { $0.lastUsed > $1.lastUsed }
    }

    /// Blobs and their sizes (partial downloads included, marked).
    public func blobs() -> [(name: String, bytes: Int64, lastUsed: Date)] {
        let dir = root + "/blobs/sha256"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap { name in
            var st = stat()
            guard stat(dir + "/" + name, &st) == 0 else { return nil }
            return (name, Int64(st.st_size), Self.mtime(dir + "/" + name))
        }
    }

    static func mtime(_ path: String) -> Date {
        var st = stat()
        guard stat(path, &st) == 0 else { return .distantPast }
        return Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec))
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do { try SmallFile.write(bytes, to: path) } catch let e as SmallFile.WriteError {
            throw CacheError.io(e.path, reason: e.reason)
        }
    }
}

/// One converted image in the cache.
public struct CachedImage: Sendable {
    public struct Record: Codable, Sendable {
        /// The reference as the user gave it, and pinned to the digest it resolved to.
        public var source: String
        public var pinned: String
        public var manifestDigest: String
        public var platform: String
        public var compression: String
        public var created: String
    }

    public let key: String
    public let path: String
    public let record: Record
    public let bytes: Int64
    public let lastUsed: Date
}

extension ImageCache {
    /// Removes converted images and blobs (those unused since `unusedSince`, or all), each under
    /// its lock so that nothing being made is removed. Returns the bytes freed.
    public func clean(images cleanImages: Bool, blobs cleanBlobs: Bool, unusedSince: Date?, dryRun: Bool,
                      removed: (String) -> Void) throws -> Int64 {
        var freed: Int64 = 0
        if cleanImages {
            for image in images() where unusedSince.map({ image.lastUsed < $0 }) ?? true {
                if !dryRun {
                    let lock = try lock("image-" + image.key, log: { _ in })
                    unlink(recordPath(image.key))
                    unlink(image.path)
                    lock.release()
                }
                removed("\(image.path) (\(image.record.source))")
                freed += image.bytes
            }
        }
        if cleanBlobs {
            for blob in blobs() where unusedSince.map({ blob.lastUsed < $0 }) ?? true {
                let hex = String(blob.name.prefix(64))
                // A partial file whose download is under way belongs to that download.
                if blob.name.hasSuffix(".partial"), access(lockPath("blob-" + hex), F_OK) == 0 { continue }
                if !dryRun {
                    let lock = try lock("blob-" + hex, log: { _ in })
                    unlink(root + "/blobs/sha256/" + blob.name)
                    lock.release()
                }
                removed(root + "/blobs/sha256/" + blob.name)
                freed += blob.bytes
            }
        }
        return freed
    }

    /// Marks a blob used now, for `cache clean --older-than`.
    public func touchBlob(_ d: Digest) { utimes(blobPath(d), nil) }
}
