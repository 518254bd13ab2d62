import Foundation
import VesselBasics
import VesselImage
import VesselOCI

/// The cache, shared by every process and (on a shared file system) every node of a user, and
/// its blobs by every user of a shared cache:
///
///     ROOT/blobs/sha256/HEX          verified blobs, by digest (anyone's, in a shared cache)
///     OWN/blobs/sha256/HEX.partial   a download in progress (resumed by the next one)
///     OWN/blobs/sha256/HEX           a blob this user downloaded and could not share
///     OWN/images/KEY.sqsh            converted images, by manifest digest and build options
///     OWN/images/KEY.json            what each one is (source, digest, options, sizes, SHA-256)
///     OWN/locks/                     one lock per blob and per image being made
///
/// OWN is ROOT for a cache of one's own. In a shared cache (ROOT writable by a group or by all,
/// and sticky: `chmod 3775` or `1777`, as the plugin's `cache=`), it is ROOT/uUID, made by the
/// user (0700) and checked on its descriptor (SafeDirectory): no one else can write in it, so no
/// directory or record another user made can redirect, replace or block a user's own entries.
/// A squatted ROOT/uUID, or a shared ROOT that is not sticky (where anyone could rename ROOT/uUID
/// after the check), sends this user's entries to their private cache instead, said in one line.
///
/// A converted image is derived content: a reader cannot check what another user converted (a
/// record written by the same user proves nothing). So images are taken only from the user's
/// own entries, or from ROOT/u0 (a cache filled by root: every directory on the way and the
/// files root's, checked on the descriptors). Blobs are named by their digest, so they are
/// shared: a download is published to ROOT/blobs/sha256 by a hard link when the name is free,
/// and another user's blob is used only once its bytes have the digest.
///
/// Files appear under their final name only when complete (rename), so a reader never sees a
/// partial file; writers take the lock first, so each blob is downloaded and each image
/// converted once however many of the user's processes ask for it at the same time.
public struct ImageCache: Sendable {
    public let root: String
    /// Where this user's own entries are (see above).
    public let own: String

    public init(root: String) throws {
        self.root = root
        // A new account has no ~/.cache yet.
        try? FileManager.default.createDirectory(atPath: (root as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if mkdir(root, 0o777) != 0, errno != EEXIST {
            throw CacheError.unusable(root, reason: "cannot create \(root): \(errnoText())")
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw CacheError.unusable(root, reason: errnoText()) }
        defer { close(rootFD) }
        var st = stat()
        guard fstat(rootFD, &st) == 0 else { throw CacheError.unusable(root, reason: errnoText()) }
        guard st.st_mode & 0o022 != 0 else {
            own = root
            try Self.makeOwnDirectories(root, sharedBlobs: false)
            return
        }
        own = try Self.ownDirectory(root, rootFD: rootFD, mode: st.st_mode)
        try Self.makeOwnDirectories(own, sharedBlobs: own.hasPrefix(root + "/"))
        // The shared blobs' directory: made as writable as the root and sticky (no one removes
        // what another wrote), whatever the umask. Whoever made it first owns it, and may remove
        // or refuse others' blobs: then downloads stay in OWN (nothing depends on it).
        for dir in ["/blobs", "/blobs/sha256"] where mkdir(root + dir, 0o700) == 0 {
            chmod(root + dir, 0o755 | (st.st_mode & 0o022) | (st.st_mode & S_ISGID) | S_ISVTX)
        }
    }

    /// ROOT/uUID, this user's own in a shared cache; the private cache when it cannot be.
    private static func ownDirectory(_ root: String, rootFD: Int32, mode: mode_t) throws -> String {
        let name = "u\(getuid())"
        let fallback = privateRoot()
        guard mode & S_ISVTX != 0 else {
            warn("\(root) is writable by others but not sticky, so anyone could swap your entries there: yours go to \(fallback) (its owner should chmod +t it, see vessel-cache(1))")
            return fallback
        }
        // A user's entries are theirs alone (a private image among them); root's are for everyone.
        let mode: mode_t = getuid() == 0 ? 0o755 : 0o700
        do {
            let fd = try SafeDirectory.child(rootFD, name, shown: root + "/" + name, trusting: [getuid()], create: mode)
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, st.st_mode & 0o7777 == mode || fchmod(fd, mode) == 0 else {
                throw SafeDirectory.Refusal("\(root)/\(name): \(errnoText())")
            }
            return root + "/" + name
        } catch let refusal as SafeDirectory.Refusal {
            warn("\(refusal): yours go to \(fallback) (an admin should remove it)")
            return fallback
        }
    }

    /// The cache of one's own when a shared one cannot hold this user's entries.
    static func privateRoot() -> String {
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/vessel" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.cache/vessel"
    }

    private static func makeOwnDirectories(_ own: String, sharedBlobs: Bool) throws {
        // The private cache a shared one falls back to may not exist yet (a new account).
        try? FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        for dir in ["/blobs", "/blobs/sha256", "/images", "/locks"] {
            let p = own + dir
            if mkdir(p, 0o755) != 0, errno != EEXIST { throw CacheError.unusable(own, reason: "cannot create \(p): \(errnoText())") }
        }
        for dir in ["/locks", "/images", "/blobs/sha256"] where access(own + dir, W_OK) != 0 {
            var d = stat()
            let owner = stat(own + dir, &d) == 0 ? SafeDirectory.ownerName(d.st_uid) : "?"
            throw CacheError.unusable(own, reason: "\(own + dir) is not writable by this user (made by \(owner) with mode \(String(d.st_mode & 0o7777, radix: 8)))")
        }
    }

    private static func warn(_ line: String) {
        FileHandle.standardError.write(Data("vessel: warning: \(line)\n".utf8))
    }

    /// VESSEL_CACHE, the config's cache-dir (first when the site pins it), or ~/.cache/vessel
    /// ($XDG_CACHE_HOME/vessel).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   config: SiteConfig = .load()) -> String {
        if let c = config.cacheDirectory(environment: environment) { return c }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/vessel" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/vessel"
    }

    /// Whether this user's entries live apart from the blobs everyone shares.
    var isShared: Bool { own != root }

    /// Where a blob is read from: this user's own copy when there is one, else the shared one.
    public func blobPath(_ d: Digest) -> String {
        let mine = ownBlobPath(d)
        var st = stat()
        if isShared, lstat(mine, &st) == 0, st.st_uid == getuid(), st.st_mode & S_IFMT == S_IFREG { return mine }
        return root + "/blobs/sha256/" + d.hex
    }

    /// Where the converter reads a blob of `size` from: where it is now when it can be trusted,
    /// else where its download will put it (decided before the download starts).
    public func blobLocation(_ d: Digest, size: Int64) -> String {
        hasBlob(d, size: size) ? blobPath(d) : writableBlobPath(d)
    }

    func ownBlobPath(_ d: Digest) -> String { own + "/blobs/sha256/" + d.hex }

    /// Where a download of the blob goes: this user's own directory (published once whole, see
    /// `publish`), so that no one else's file is in its way.
    func writableBlobPath(_ d: Digest) -> String { ownBlobPath(d) }

    /// A whole, verified blob of this user's, shared: hard-linked under the shared name when
    /// that is free (the own name stays: a conversion under way may still open it by it).
    func publish(_ d: Digest) {
        guard isShared else { return }
        _ = link(ownBlobPath(d), root + "/blobs/sha256/" + d.hex)
    }

    public func imagePath(_ key: String) -> String { own + "/images/" + key + ".sqsh" }
    func recordPath(_ key: String) -> String { own + "/images/" + key + ".json" }
    func lockPath(_ name: String) -> String { own + "/locks/" + name + ".lock" }

    /// Whether the blob is here, whole, and to be trusted: this user's (or root's) file that no
    /// one else may write, or another user's whose bytes have the digest (checked once a process).
    public func hasBlob(_ d: Digest, size: Int64) -> Bool {
        let path = blobPath(d)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, Int64(st.st_size) == size else { return false }
        if (st.st_uid == getuid() || st.st_uid == 0) && st.st_mode & 0o022 == 0 { return true }
        // ctime changes with any write, chmod or utimes, and no user can set it.
        let stamp = "\(path) \(st.st_dev) \(st.st_ino) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
        if VerifiedBlobs.contains(stamp) { return true }
        guard let (digest, bytes) = try? Self.hash(fd, path: path, copyTo: nil), digest == d, bytes == size else { return false }
        VerifiedBlobs.insert(stamp)
        return true
    }

    public func lock(_ name: String, log: (String) -> Void) throws -> CacheLock {
        try CacheLock.acquire(lockPath(name)) { holder in log("waiting for \(holder), which is making \(name) in \(own)") }
    }

    /// The image for `key`, made once however many processes ask at the same time: whoever
    /// finds none takes the key's lock and, if still none, calls `make` with the key to write;
    /// the others wait on the lock and then share the result. `made` is true for the process
    /// that made it. `expecting`: as for `cachedImage`.
    public func image(_ key: String, expecting: Digest? = nil, log: (String) -> Void,
                      make: (String) throws -> Void) throws -> (image: CachedImage, made: Bool) {
        var made = false
        if cachedImage(key, expecting: expecting) == nil {
            let lock = try self.lock("image-" + key, log: log)
            defer { lock.release() }
            if cachedImage(key, expecting: expecting) == nil {
                try make(key)
                made = true
            }
        }
        guard let image = cachedImage(key, expecting: expecting) else {
            if made, let expecting {
                throw CacheError.io(imagePath(key), reason: "what was written does not have the SHA-256 expected (\(expecting)); not used")
            }
            throw CacheError.io(imagePath(key), reason: "vanished after it was made")
        }
        if image.path == imagePath(key) { touch(image.key) }
        return (image, made)
    }

    /// Writes a small verified blob (a config) under its digest.
    public func storeBlob(_ bytes: [UInt8], digest: Digest) throws {
        try Self.writeAtomically(bytes, to: writableBlobPath(digest))
        publish(digest)
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

    /// The converted image for `key`, as a file this user (or root) owns and no one else may
    /// change: this user's own entry, or root's in ROOT/u0. Nil when there is none to be
    /// trusted: then it is converted again.
    ///
    /// `expecting`: the SHA-256 the image must have, when it is known beforehand (an image file
    /// pulled as an artifact is its layer's bytes). Then no entry is trusted for its record
    /// alone: one that does not have it is passed over and made again.
    public func cachedImage(_ key: String, expecting: Digest? = nil) -> CachedImage? {
        func holds(_ image: CachedImage?) -> CachedImage? {
            guard let image, let expecting else { return image }
            return image.record.sha256 == expecting.description ? image : nil
        }
        if let mine = holds(entry(key, in: own + "/images", trustedOwners: [getuid(), 0])) { return mine }
        guard isShared, let site = rootsImages() else { return nil }
        return holds(entry(key, in: site, trustedOwners: [0]))
    }

    /// ROOT/u0/images when root made it (and nothing on the way is anyone else's).
    private func rootsImages() -> String? {
        guard let fd = try? SafeDirectory.open(root + "/u0/images", trusting: [0]) else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_uid == 0, st.st_mode & 0o022 == 0 else { return nil }
        return root + "/u0/images"
    }

    /// Publishes a conversion written at imagePath(key): its SHA-256 and size go into the record,
    /// and both files become read-only, so that a reader can tell it is what was written.
    public func record(_ record: CachedImage.Record, key: String) throws {
        let path = imagePath(key)
        var r = record
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw CacheError.io(path, reason: errnoText()) }
        defer { close(fd) }
        let (digest, bytes) = try Self.hash(fd, path: path, copyTo: nil)
        r.sha256 = digest.description
        r.bytes = bytes
        guard fchmod(fd, 0o444) == 0 else { throw CacheError.io(path, reason: errnoText()) }
        do { try SmallFile.write(Array(try JSONEncoder.stable.encode(r)) + [0x0a], to: recordPath(key), mode: 0o444) } catch let e as SmallFile.WriteError {
            throw CacheError.io(e.path, reason: e.reason)
        }
    }

    /// An entry of `directory` whose record and image are regular files owned by one of
    /// `trustedOwners`, that no one else may write to, of the recorded size.
    private func entry(_ key: String, in directory: String, trustedOwners: Set<uid_t>) -> CachedImage? {
        let image = directory + "/" + key + ".sqsh"
        guard let (record, recordStat) = readRecord(directory + "/" + key + ".json"), let sha = record.sha256, !sha.isEmpty else { return nil }
        var st = stat()
        let fd = open(image, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, trustedOwners.contains(st.st_uid),
              trustedOwners.contains(recordStat.st_uid), st.st_mode & 0o022 == 0, recordStat.st_mode & 0o022 == 0,
              record.bytes == Int64(st.st_size) else { return nil }
        return CachedImage(key: key, path: image, record: record, bytes: Int64(st.st_size),
                           lastUsed: Date(timeIntervalSince1970: Double(recordStat.st_mtim.tv_sec)))
    }

    /// A record that is a regular file (not a link), decoded, with its stat.
    private func readRecord(_ path: String) -> (CachedImage.Record, stat)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size < 1 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        guard read(fd, &bytes, bytes.count) == bytes.count,
              let record = try? JSONDecoder().decode(CachedImage.Record.self, from: Data(bytes)) else { return nil }
        return (record, st)
    }

    /// SHA-256 and length of what `fd` holds from its start, written to `copyTo` as it is read.
    static func hash(_ fd: Int32, path: String, copyTo out: Int32?) throws -> (Digest, Int64) {
        var sha = StreamingSHA256()
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = Syscall.retrying { buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(total)) } }
            if n < 0 { throw CacheError.io(path, reason: errnoText()) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                sha.update(chunk)
                if let out, !Syscall.writeAll(out, chunk) { throw CacheError.io(path, reason: errnoText()) }
            }
            total += Int64(n)
        }
        return (sha.finish(), total)
    }

    /// Marks an image used now, for `cache clean --older-than`.
    public func touch(_ key: String) { utimes(recordPath(key), nil) }

    public func images() -> [CachedImage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: own + "/images")) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { entry(String($0.dropLast(5)), in: own + "/images", trustedOwners: [getuid(), 0]) }
            .sorted { $0.lastUsed > $1.lastUsed }
    }

    /// Blobs and their sizes (partial downloads included, marked): the shared ones this user
    /// wrote, and this user's own (in a shared cache, the shared ones others wrote are theirs).
    public func blobs() -> [(name: String, path: String, bytes: Int64, lastUsed: Date)] {
        let dirs = isShared ? [root + "/blobs/sha256", own + "/blobs/sha256"] : [own + "/blobs/sha256"]
        return dirs.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap { name in
                var st = stat()
                guard lstat(dir + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == getuid() else { return nil }
                return (name, dir + "/" + name, Int64(st.st_size), Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec)))
            }
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

/// Blobs of other users this process has found to match their digests, by file identity.
enum VerifiedBlobs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var stamps: Set<String> = []
    static func contains(_ s: String) -> Bool { lock.lock(); defer { lock.unlock() }; return stamps.contains(s) }
    static func insert(_ s: String) { lock.lock(); stamps.insert(s); lock.unlock() }
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
        /// The image file's SHA-256 and size as its converter wrote it (ImageCache.record).
        public var sha256: String?
        public var bytes: Int64?

        public init(source: String, pinned: String, manifestDigest: String, platform: String, compression: String, created: String) {
            self.source = source
            self.pinned = pinned
            self.manifestDigest = manifestDigest
            self.platform = platform
            self.compression = compression
            self.created = created
        }
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
                if !dryRun { try remove(image) }
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
                    unlink(blob.path)
                    lock.release()
                }
                removed(blob.path)
                freed += blob.bytes
            }
        }
        return freed
    }

    /// Removes one of this user's converted images, under its lock (so not while it is made).
    public func remove(_ image: CachedImage) throws {
        let lock = try lock("image-" + image.key, log: { _ in })
        unlink(recordPath(image.key))
        unlink(image.path)
        lock.release()
    }

    /// Marks a blob used now, for `cache clean --older-than`.
    public func touchBlob(_ d: Digest) { utimes(blobPath(d), nil) }
}
