import Foundation
import VesselImage
import VesselOCI

/// The cache, shared by every process and (on a shared file system) every node of a group:
///
///     ROOT/blobs/sha256/HEX          verified blobs, by digest
///     ROOT/blobs/sha256/HEX.partial  a download in progress (resumed by the next one)
///     ROOT/images/KEY.sqsh           converted images, by manifest digest and build options
///     ROOT/images/KEY.json           what each one is (source, digest, options, sizes, SHA-256)
///     ROOT/images/KEY.uUID.*         a user's own verified copy of another user's conversion
///     ROOT/locks/                    one lock per blob and per image being made
///
/// Files appear under their final name only when complete (rename), so a reader never sees a
/// partial file; writers take the lock first, so each blob is downloaded and each image
/// converted once however many processes ask for it at the same time.
///
/// A shared cache is written by users who need not trust each other (SECURITY.md). Blobs are
/// named by their digest and checked against it when read. A converted image is handed out
/// only as a file its reader (or root) owns, read-only, which no one else can change or
/// replace (the directories are sticky when shared): one converted by another user is copied
/// once, and used only if the copy's SHA-256 is the one its converter recorded.
public struct ImageCache: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        // A new account has no ~/.cache yet.
        try? FileManager.default.createDirectory(atPath: (root as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if mkdir(root, 0o777) != 0, errno != EEXIST {
            throw CacheError.unusable(root, reason: "cannot create \(root): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard stat(root, &st) == 0 else { throw CacheError.unusable(root, reason: String(cString: strerror(errno))) }
        // Below a shared root (group- or world-writable, as `chmod 2775` or the plugin's 1777
        // cache), the directories are as writable as the root, whatever this user's umask, and
        // sticky: no one removes or replaces what someone else wrote. Locks are not sticky, so
        // that anyone can break a dead process's stale lock.
        let shared = st.st_mode & 0o022
        for (dir, sticky) in [("/blobs", true), ("/blobs/sha256", true), ("/images", true), ("/locks", false)] {
            let p = root + dir
            if mkdir(p, 0o700) == 0 {
                chmod(p, 0o755 | shared | (st.st_mode & S_ISGID) | (shared != 0 && sticky ? S_ISVTX : 0))
            } else if errno != EEXIST {
                throw CacheError.unusable(root, reason: "cannot create \(p): \(String(cString: strerror(errno)))")
            }
        }
        // A shared cache that an older Vessel made has no sticky bits: add them where this user
        // may (the owner), and say so where not, since without them anyone can replace an entry.
        for dir in ["/blobs", "/blobs/sha256", "/images"] {
            var d = stat()
            guard stat(root + dir, &d) == 0, d.st_mode & 0o022 != 0, d.st_mode & S_ISVTX == 0 else { continue }
            if d.st_uid == getuid() {
                chmod(root + dir, (d.st_mode & 0o7777) | S_ISVTX)
            } else {
                FileHandle.standardError.write(Data("vessel: warning: \(root + dir) is writable by others but not sticky, so any of them can replace what others wrote: its owner should chmod +t it (see vessel-cache(1))\n".utf8))
            }
        }
        for dir in ["/locks", "/images", "/blobs/sha256"] where access(root + dir, W_OK) != 0 {
            var d = stat()
            let owner = stat(root + dir, &d) == 0 ? (getpwuid(d.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(d.st_uid)") : "?"
            throw CacheError.unusable(root, reason: "\(root + dir) is not writable by this user (made by \(owner) with mode \(String(d.st_mode & 0o7777, radix: 8)); for a shared cache it needs the root's write bits: chmod 1777 or 3775, see vessel-cache(1))")
        }
    }

    /// VESSEL_CACHE, the config's cache-dir (first when the site pins it), or ~/.cache/vessel
    /// ($XDG_CACHE_HOME/vessel).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   config: SiteConfig = .load()) -> String {
        if let c = config.cacheDirectory(environment: environment) { return c }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/vessel" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/vessel"
    }

    /// Where a blob is read from: this user's own copy when there is one (made when the shared
    /// one did not match its digest), else the shared one.
    public func blobPath(_ d: Digest) -> String {
        let own = ownBlobPath(d)
        var st = stat()
        if lstat(own, &st) == 0, st.st_uid == getuid(), st.st_mode & S_IFMT == S_IFREG { return own }
        return root + "/blobs/sha256/" + d.hex
    }

    /// Where the converter reads a blob of `size` from: where it is now when it can be trusted,
    /// else where its download will put it (decided before the download starts).
    public func blobLocation(_ d: Digest, size: Int64) -> String {
        hasBlob(d, size: size) ? blobPath(d) : writableBlobPath(d)
    }

    func ownBlobPath(_ d: Digest) -> String { root + "/blobs/sha256/" + d.hex + ".u\(getuid())" }

    /// Where a download of the blob goes: the shared name, unless another user's file holds it
    /// (then it did not match its digest, and stays theirs in the sticky directory).
    func writableBlobPath(_ d: Digest) -> String {
        let shared = root + "/blobs/sha256/" + d.hex
        var st = stat()
        guard lstat(shared, &st) == 0, st.st_uid != getuid() else { return shared }
        return ownBlobPath(d)
    }
    public func imagePath(_ key: String) -> String { root + "/images/" + key + ".sqsh" }
    func recordPath(_ key: String) -> String { root + "/images/" + key + ".json" }
    func lockPath(_ name: String) -> String { root + "/locks/" + name + ".lock" }

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
        try CacheLock.acquire(lockPath(name)) { holder in log("waiting for \(holder), which is making \(name) in \(root)") }
    }

    /// The image for `key`, made once however many processes ask at the same time: whoever
    /// finds none takes the key's lock and, if still none, calls `make` with the key to write
    /// (`writableKey`); the others wait on the lock and then share the result. `made` is true
    /// for the process that made it. `expecting`: as for `cachedImage`.
    public func image(_ key: String, expecting: Digest? = nil, log: (String) -> Void,
                      make: (String) throws -> Void) throws -> (image: CachedImage, made: Bool) {
        var made = false
        if cachedImage(key, expecting: expecting) == nil {
            let lock = try self.lock("image-" + key, log: log)
            defer { lock.release() }
            if cachedImage(key, expecting: expecting) == nil {
                try make(writableKey(key))
                made = true
            }
        }
        guard let image = cachedImage(key, expecting: expecting) else {
            if made, let expecting {
                throw CacheError.io(imagePath(writableKey(key)), reason: "what was written does not have the SHA-256 expected (\(expecting)); not used")
            }
            throw CacheError.io(imagePath(key), reason: "vanished after it was made")
        }
        touch(image.key)
        return (image, made)
    }

    /// Writes a small verified blob (a config) under its digest.
    public func storeBlob(_ bytes: [UInt8], digest: Digest) throws {
        try Self.writeAtomically(bytes, to: writableBlobPath(digest))
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
    /// change: this user's own entry, or their verified copy of another user's (made now if
    /// needed). Nil when there is none to be trusted: then it is converted again.
    ///
    /// `expecting`: the SHA-256 the image must have, when it is known beforehand (an image file
    /// pulled as an artifact is its layer's bytes). Then no entry is trusted for its record
    /// alone: one that does not have it, whoever wrote it, is passed over and made again.
    public func cachedImage(_ key: String, expecting: Digest? = nil) -> CachedImage? {
        let me = getuid()
        func holds(_ image: CachedImage?) -> CachedImage? {
            guard let image, let expecting else { return image }
            return image.record.sha256 == expecting.description ? image : nil
        }
        if let own = holds(entry(key, trustedOwners: [me, 0])) { return own }
        if let copy = holds(entry(Self.userKey(key, me), trustedOwners: [me])) { return copy }
        if let expecting, readRecord(key)?.0.sha256 != expecting.description { return nil }
        return try? copyVerified(key, to: Self.userKey(key, me))
    }

    /// The key this user's conversion is written under: KEY, unless another user's entry holds
    /// that name (it cannot be replaced in a sticky directory, nor should it be).
    public func writableKey(_ key: String) -> String {
        var st = stat()
        guard lstat(imagePath(key), &st) == 0, st.st_uid != getuid() else { return key }
        return Self.userKey(key, getuid())
    }

    static func userKey(_ key: String, _ uid: uid_t) -> String { key + ".u\(uid)" }

    /// Publishes a conversion written at imagePath(key): its SHA-256 and size go into the record,
    /// and both files become read-only, so that a reader can tell it is what was written.
    public func record(_ record: CachedImage.Record, key: String) throws {
        let path = imagePath(key)
        var r = record
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw CacheError.io(path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let (digest, bytes) = try Self.hash(fd, path: path, copyTo: nil)
        r.sha256 = digest.description
        r.bytes = bytes
        guard fchmod(fd, 0o444) == 0 else { throw CacheError.io(path, reason: String(cString: strerror(errno))) }
        do { try SmallFile.write(Array(try JSONEncoder.stable.encode(r)) + [0x0a], to: recordPath(key), mode: 0o444) } catch let e as SmallFile.WriteError {
            throw CacheError.io(e.path, reason: e.reason)
        }
    }

    /// An entry whose record and image are regular files owned by one of `trustedOwners`, that
    /// no one else may write to, of the recorded size.
    private func entry(_ key: String, trustedOwners: Set<uid_t>) -> CachedImage? {
        guard let (record, recordStat) = readRecord(key), let sha = record.sha256, !sha.isEmpty else { return nil }
        var st = stat()
        let fd = open(imagePath(key), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, trustedOwners.contains(st.st_uid),
              trustedOwners.contains(recordStat.st_uid), st.st_mode & 0o022 == 0, recordStat.st_mode & 0o022 == 0,
              record.bytes == Int64(st.st_size) else { return nil }
        return CachedImage(key: key, path: imagePath(key), record: record, bytes: Int64(st.st_size),
                           lastUsed: Date(timeIntervalSince1970: Double(recordStat.st_mtim.tv_sec)))
    }

    /// Another user's conversion, copied to this user's own entry: hashed as it is copied, and
    /// kept only when the SHA-256 is the one its record holds.
    private func copyVerified(_ key: String, to ownKey: String) throws -> CachedImage? {
        guard let (record, recordStat) = readRecord(key), let sha = record.sha256, let bytes = record.bytes else { return nil }
        let source = open(imagePath(key), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard source >= 0 else { return nil }
        defer { close(source) }
        var st = stat()
        guard fstat(source, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == recordStat.st_uid,
              Int64(st.st_size) == bytes else { return nil }
        let out = try AtomicOutput(path: imagePath(ownKey), replace: true)
        let target = open(out.writePath, O_WRONLY | O_CLOEXEC)
        guard target >= 0 else { out.discard(); throw CacheError.io(imagePath(ownKey), reason: String(cString: strerror(errno))) }
        defer { close(target) }
        let (digest, copied) = try Self.hash(source, path: imagePath(key), copyTo: target)
        guard digest.description == sha, copied == bytes else {
            out.discard()
            FileHandle.standardError.write(Data("vessel: warning: \(imagePath(key)) is not what its converter recorded (SHA-256 \(digest.hex.prefix(12))..., recorded \(sha.dropFirst(7).prefix(12))...); not used\n".utf8))
            return nil
        }
        guard fchmod(target, 0o444) == 0 else { out.discard(); throw CacheError.io(imagePath(ownKey), reason: String(cString: strerror(errno))) }
        try out.commit()
        try SmallFile.write(Array(try JSONEncoder.stable.encode(record)) + [0x0a], to: recordPath(ownKey), mode: 0o444)
        return entry(ownKey, trustedOwners: [getuid()])
    }

    /// A record that is a regular file (not a link), decoded, with its stat.
    private func readRecord(_ key: String) -> (CachedImage.Record, stat)? {
        let fd = open(recordPath(key), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
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
            if n < 0 { throw CacheError.io(path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                sha.update(chunk)
                if let out, !Syscall.writeAll(out, chunk) { throw CacheError.io(path, reason: String(cString: strerror(errno))) }
            }
            total += Int64(n)
        }
        return (sha.finish(), total)
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
