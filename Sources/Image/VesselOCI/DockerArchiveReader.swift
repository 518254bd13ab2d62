import Foundation

/// Resolves the image in a `docker save` / `podman save` archive: manifest.json names the
/// config and the layer tars. Layers have no compressed digest there; an uncompressed layer is
/// checked against the config's diff_id, which is its digest.
struct DockerArchiveReader {
    let path: String

    func resolve(_ ref: SourceReference, name: String?, platform: Platform?) throws -> ResolvedImage {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageError.sourceNotFound(path) }
        let index = try TarIndex(path: path)
        guard let manifestRegion = index.member("manifest.json") else {
            throw ImageError.invalidLayout(path, reason: "no manifest.json (not a docker-archive)")
        }
        let (entries, _) = try readJSONBlob([DockerArchiveEntry].self, region: manifestRegion, digest: nil, size: nil,
                                            what: "\(path)/manifest.json")
        let entry = try select(entries, name)
        guard let configRegion = index.member(entry.Config) else { throw ImageError.blobMissing(entry.Config, in: path) }
        let configDigest = Self.digestInName(entry.Config)
        let (config, configBytes) = try readJSONBlob(ImageConfigFile.self, region: configRegion, digest: configDigest,
                                                     size: nil, what: "config \(entry.Config)")
        let diffIDs = config.rootfs?.diff_ids ?? []
        guard diffIDs.count == entry.Layers.count else {
            throw ImageError.invalidLayout(path, reason: "\(entry.Layers.count) layers but \(diffIDs.count) diff_ids in the config")
        }
        var layers: [LayerBlob] = []
        for (i, member) in entry.Layers.enumerated() {
            guard let region = index.member(member) else { throw ImageError.blobMissing(member, in: path) }
            let compressed = try Self.isCompressed(region)
            let digest = Self.digestInName(member) ?? (compressed ? nil : diffIDs[i])
            layers.append(LayerBlob(region: region,
                                    mediaType: compressed ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                                                          : "application/vnd.docker.image.rootfs.diff.tar",
                                    digest: digest, diffID: digest == diffIDs[i] ? nil : diffIDs[i],
                                    label: digest?.short ?? member))
        }
        let plat = Platform(os: config.os ?? "linux", architecture: config.architecture ?? Platform.host.architecture,
                            variant: config.variant)
        if let platform, !platform.accepts(plat) {
            throw ImageError.noMatchingPlatform(wanted: platform.description, available: [plat.description])
        }
        return ResolvedImage(reference: ref, manifestDigest: nil, configDigest: configDigest ?? Digest.of(configBytes),
                             configBytes: configBytes, config: config, layers: layers, platform: plat)
    }

    private func select(_ entries: [DockerArchiveEntry], _ name: String?) throws -> DockerArchiveEntry {
        let tags = entries.flatMap { $0.RepoTags ?? [] }
        guard let name else {
            if entries.count == 1 { return entries[0] }
            throw ImageError.imageNotFound("without a NAME:TAG (name one)", available: tags, in: path)
        }
        let want = Self.normalize(name)
        if let e = entries.first(where: { ($0.RepoTags ?? []).contains { Self.normalize($0) == want } }) { return e }
        throw ImageError.imageNotFound(name, available: tags, in: path)
    }

    /// `docker.io/library/x:latest`, `library/x:latest` and `x:latest` name the same image.
    static func normalize(_ tag: String) -> String {
        var t = tag
        for p in ["docker.io/", "library/"] where t.hasPrefix(p) { t = String(t.dropFirst(p.count)) }
        return t
    }

    /// `<hex>.json`, `<hex>/layer.tar` (old docker) or `blobs/sha256/<hex>` (docker 25+).
    static func digestInName(_ member: String) -> Digest? {
        for part in member.split(separator: "/") {
            let hex = part.hasSuffix(".json") ? part.dropLast(5) : part
            if hex.count == 64, let d = try? Digest(parsing: "sha256:" + hex), member.hasPrefix("blobs/") || part.hasSuffix(".json") {
                return d
            }
        }
        return nil
    }

    static func isCompressed(_ region: FileRegion) throws -> Bool {
        let head = try FileRegion(path: region.path, offset: region.offset, length: min(4, region.length)).readAll()
        return head.starts(with: [0x1f, 0x8b]) || head.starts(with: [0x28, 0xb5, 0x2f, 0xfd])
    }
}
