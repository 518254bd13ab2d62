import Foundation
import VesselImage
import VesselOCI
import VesselRegistry

/// `vessel pull` and `vessel build OUT docker://...`: resolves the reference to a digest once,
/// converts that digest once per cache (whoever asks first does it; the others wait on its lock
/// and then share the result), and places the image at the output path.
public struct Puller {
    public var registry: RegistryOptions
    public var cacheRoot: String
    public var parallelDownloads: Int
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Say when an image came from the cache (`vessel exec oras://...` does not, every start).
    public var announceCached = true
    /// The site's image gateway, asked first for a public image (see `viaGateway`).
    public var gateway: GatewayClient?
    /// Conversions at once (the gateway's limit); nil: no limit.
    public var conversions: ConversionSlots?

    public init(registry: RegistryOptions, cacheRoot: String, parallelDownloads: Int = 3) {
        self.registry = registry
        self.cacheRoot = cacheRoot
        self.parallelDownloads = parallelDownloads
        RegistryClient.version = VesselVersion.current
    }

    /// A puller as the site configures it: its cache (VESSEL_CACHE, cache-dir, ~/.cache/vessel)
    /// and its parallelism (registry-parallel), unless `parallel` says otherwise; the site
    /// file's warnings are said once.
    public static func configured(registry: RegistryOptions, parallel: Int? = nil, quiet: Bool) throws -> Puller {
        let config = SiteConfig.load()
        for w in config.warnings { FileHandle.standardError.write(Data("vessel: warning: \(w)\n".utf8)) }
        var p = Puller(registry: registry, cacheRoot: ImageCache.defaultRoot(config: config),
                       parallelDownloads: parallel ?? config.parallelDownloads ?? 3)
        p.gateway = GatewayClient.configured(config)
        if quiet { p.log = { _ in } }
        return p
    }

    /// What a pull found before converting anything.
    public struct Resolution {
        public let reference: RegistryReference
        public let pinned: RegistryReference
        public let manifestDigest: Digest
        public let manifest: ImageManifest
        public let statedPlatform: Platform?
    }

    public func resolve(_ reference: RegistryReference, platform: Platform?, client: RegistryClient) throws -> Resolution {
        let repo = reference.repository
        let top = try client.manifest(repo, reference: reference.manifestReference)
        var bytes = top.bytes, digest = top.digest, stated: Platform?
        var (kind, _) = try ManifestSelection.kind(of: bytes, declared: top.mediaType, what: "manifest \(reference)")
        var depth = 0
        while case .index(let entries) = kind {
            depth += 1
            guard depth < 4 else { throw ImageError.unsupportedMediaType("nested image index", for: "manifest \(reference)") }
            let choice = try ManifestSelection.choose(entries, platform: platform)
            let m = try client.manifest(repo, reference: choice.digest.description)
            guard Int64(m.bytes.count) == choice.size else {
                throw ImageError.sizeMismatch("manifest \(choice.digest)", expected: choice.size, actual: Int64(m.bytes.count))
            }
            (bytes, digest, stated) = (m.bytes, m.digest, choice.statedPlatform)
            (kind, _) = try ManifestSelection.kind(of: bytes, declared: choice.mediaType ?? m.mediaType, what: "manifest \(choice.digest)")
        }
        let manifest = try ManifestSelection.decodeManifest(bytes, what: "manifest \(digest)")
        return Resolution(reference: reference, pinned: reference.pinned(to: digest), manifestDigest: digest,
                          manifest: manifest, statedPlatform: stated)
    }

    /// Pulls, converts (or finds in the cache) and, when `output` is given, places the image there.
    public func pull(_ text: String, output: String?, options: BuildOptions, progressStyle: Progress.Style) throws -> BuildReport {
        let reference = try RegistryReference(parsing: text)
        if let report = try viaGateway(text, reference: reference, output: output, options: options) { return report }
        let cache = try ImageCache(root: cacheRoot)
        let client = try RegistryClient(reference: reference, options: registry)
        let r = try resolve(reference, platform: options.platform, client: client)
        // An image file stored as an artifact (vessel push, apptainer push) is fetched, not converted.
        if let layer = ImageArtifact.imageLayer(of: r.manifest) {
            return try pullArtifact(r, layer: layer, client: client, cache: cache, output: output, options: options, progressStyle: progressStyle)
        }
        if text.hasPrefix("oras://") {
            throw RegistryError.badResponse("\(r.pinned)", reason: "a container image, not an image file pushed as an artifact; pull it with docker://")
        }
        let key = ImageCache.key(manifest: r.manifestDigest, platform: r.statedPlatform, options: options)
        let start = Date()
        let (image, made) = try cache.image(key, log: log) { key in
            try ConversionSlots.within(conversions) {
                try convert(r, client: client, cache: cache, key: key, options: options, progressStyle: progressStyle)
            }
        }
        let cached = !made
        if cached, announceCached, progressStyle != .quiet { log("\(r.pinned): converted before; using \(image.path)") }
        let target = output ?? image.path
        if let output { try Self.place(image.path, at: output, replace: options.replace) }
        let inspection = try Inspection(path: image.path)
        guard let provenance = inspection.provenance else {
            throw CacheError.io(image.path, reason: "the cached image has no /.vessel/provenance.json; remove it with vessel cache clean")
        }
        return BuildReport(output: target, source: r.pinned.description, imageBytes: UInt64(image.bytes),
                           dataBytes: 0, inodes: inspection.squashfs.inodes,
                           seconds: Date().timeIntervalSince(start), cached: cached, provenance: provenance)
    }

    /// A public image from the site's gateway, when one is configured and the image is its to
    /// make: a registry image (not an artifact), built with the defaults, for which the user has
    /// no credentials (a private image never goes through it), without the user's own TLS
    /// settings. Nil when the user converts it themselves: the gateway down or refusing is said
    /// in one line.
    private func viaGateway(_ text: String, reference: RegistryReference, output: String?, options: BuildOptions) throws -> BuildReport? {
        guard let gateway, !text.hasPrefix("oras://"), GatewayClient.serves(options), !registry.insecure, registry.caFile == nil,
              (try? registry.credentials.lookup(registry: reference.registry)) == nil else { return nil }
        let start = Date()
        switch gateway.resolve("docker://" + reference.description, platform: options.platform?.description, log: log) {
        // Said even with -q: the user's own cache fills and the conversion takes its time.
        case .unreachable(let why):
            FileHandle.standardError.write(Data("vessel: the image gateway (\(gateway.socket)) is not answering (\(why)); converting \(reference) yourself\n".utf8))
            return nil
        case .refused(let why):
            FileHandle.standardError.write(Data("vessel: the image gateway did not give \(reference): \(why); converting it yourself\n".utf8))
            return nil
        case .image(let path):
            if let output { try Self.place(path, at: output, replace: options.replace) }
            let inspection = try Inspection(path: path)
            guard let provenance = inspection.provenance else { throw CacheError.io(path, reason: "the gateway's image has no /.vessel/provenance.json") }
            return BuildReport(output: output ?? path, source: reference.description, imageBytes: UInt64(inspection.squashfs.bytesUsed),
                               dataBytes: 0, inodes: inspection.squashfs.inodes, seconds: Date().timeIntervalSince(start), cached: true,
                               provenance: provenance)
        }
    }

    /// A local source (layout, archive) converted into the cache once, keyed like a pull by its
    /// manifest digest (a docker-archive, which has none, by its config digest). For the Slurm
    /// plugin, which runs what the user submitted however long the job waits.
    public func cachedLocal(_ source: SourceReference, options: BuildOptions, progressStyle: Progress.Style) throws -> String {
        let cache = try ImageCache(root: cacheRoot)
        let image = try ImageResolver.resolve(source, platform: options.platform)
        let key = ImageCache.key(manifest: image.manifestDigest ?? image.configDigest, platform: image.platform, options: options)
        let cached = try cache.image(key, log: log) { key in
            var converter = Converter()
            converter.log = log
            var opts = options
            opts.replace = true
            let progress = Progress(total: image.totalLayerBytes, label: "converting \(image.layers.count) layers", style: progressStyle)
            _ = try converter.build(image: image, output: cache.imagePath(key), options: opts, progress: progress)
            let c = options.compression
            try cache.record(.init(source: source.description, pinned: source.description,
                                   manifestDigest: (image.manifestDigest ?? image.configDigest).description,
                                   platform: image.platform.description,
                                   compression: "\(c.algorithm.rawValue)\(c.level.map { "-\($0)" } ?? "") \(c.blockSize / 1024)K",
                                   created: ISO8601DateFormatter().string(from: Date())), key: key)
        }.image
        return cached.path
    }

    private func convert(_ r: Resolution, client: RegistryClient, cache: ImageCache, key: String, options: BuildOptions,
                         progressStyle: Progress.Style) throws {
        let repo = r.reference.repository
        let cfg = r.manifest.config
        let configBytes: [UInt8]
        // A cached blob is used only if it is what its name says (another user may have written it).
        if cache.hasBlob(cfg.digest, size: cfg.size),
           let bytes = try? FileRegion(path: cache.blobPath(cfg.digest), offset: 0, length: cfg.size).readAll(),
           Digest.of(bytes) == cfg.digest {
            configBytes = bytes
        } else {
            configBytes = try client.smallBlob(repo, cfg.digest, size: cfg.size)
            // Not fatal: another user's file may hold the name (and is then not used).
            try? cache.storeBlob(configBytes, digest: cfg.digest)
        }
        let image = try ManifestSelection.assemble(
            reference: .registry(r.pinned.description), manifestDigest: r.manifestDigest, manifest: r.manifest,
            configBytes: configBytes, statedPlatform: r.statedPlatform, place: "\(r.reference.registry)/\(repo)"
        ) { FileRegion(path: cache.blobLocation($0.digest, size: $0.size), offset: 0, length: $0.size) }
        // One bar for both halves: bytes downloaded, then bytes converted.
        let progress = Progress(total: 2 * image.totalLayerBytes, label: "pulling \(image.layers.count) layers", style: progressStyle)
        let fetcher = LayerFetcher(client: client, repository: repo, cache: cache, layers: r.manifest.layers,
                                   parallel: parallelDownloads, progress: progress.advance, log: log)
        var converter = Converter()
        converter.log = log
        var opts = options
        opts.replace = true
        do {
            _ = try converter.build(image: image, output: cache.imagePath(key), options: opts, progress: progress,
                                    layerReady: fetcher.wait)
        } catch {
            fetcher.cancel()
            throw error
        }
        let c = options.compression
        try cache.record(.init(source: r.reference.description, pinned: r.pinned.description, manifestDigest: r.manifestDigest.description,
                               platform: image.platform.description,
                               compression: "\(c.algorithm.rawValue)\(c.level.map { "-\($0)" } ?? "") \(c.blockSize / 1024)K",
                               created: ISO8601DateFormatter().string(from: Date())), key: key)
    }

    /// Puts the cached image at `output`: a hard link when the file system allows it (no second
    /// copy), else a copy that appears complete or not at all.
    static func place(_ source: String, at output: String, replace: Bool) throws {
        if !replace, FileManager.default.fileExists(atPath: output) { throw BuildError.outputExists(output) }
        let out = try AtomicOutput(path: output, replace: replace)
        let dir = out.directory
        let temp = dir + "/.\(URL(fileURLWithPath: output).lastPathComponent).link-\(getpid())"
        if link(source, temp) == 0 {
            out.discard()
            guard rename(temp, output) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temp)
                throw BuildError.output(output, reason: reason)
            }
            return
        }
        try copyFile(source, to: out.writePath, display: output)
        try out.commit()
    }

    static func copyFile(_ source: String, to path: String, display: String) throws {
        let inFD = open(source, O_RDONLY | O_CLOEXEC)
        guard inFD >= 0 else { throw BuildError.output(display, reason: "cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(inFD) }
        let outFD = open(path, O_WRONLY | O_CLOEXEC)
        guard outFD >= 0 else { throw BuildError.output(display, reason: String(cString: strerror(errno))) }
        defer { close(outFD) }
        var buf = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let n = Syscall.retrying { buf.withUnsafeMutableBytes { read(inFD, $0.baseAddress, $0.count) } }
            if n == 0 { return }
            if n < 0 { throw BuildError.output(display, reason: "reading \(source): \(String(cString: strerror(errno)))") }
            guard buf.withUnsafeBytes({ Syscall.writeAll(outFD, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else {
                throw BuildError.output(display, reason: String(cString: strerror(errno)))
            }
        }
    }
}
