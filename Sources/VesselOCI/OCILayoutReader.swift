/// Resolves an image in an OCI image layout: index.json, then (through nested indexes, by
/// platform) one manifest, its config and its layers.
struct OCILayoutReader {
    let store: LayoutStore
    let place: String

    func resolve(_ ref: SourceReference, selector: ImageSelector?, platform: Platform?) throws -> ResolvedImage {
        guard store.file("oci-layout") != nil else {
            throw ImageError.invalidLayout(place, reason: "no oci-layout file")
        }
        guard let indexRegion = store.file("index.json") else {
            throw ImageError.invalidLayout(place, reason: "no index.json")
        }
        let (index, _) = try readJSONBlob(ImageIndex.self, region: indexRegion, digest: nil, size: nil, what: "\(place)/index.json")
        let top = try select(index.manifests, selector)
        let (manifestDesc, chosen) = try descend(top, platform: platform)
        let manifest = try readManifest(manifestDesc)
        let configRegion = try blob(manifest.config.digest)
        let (config, configBytes) = try readJSONBlob(ImageConfigFile.self, region: configRegion,
                                                     digest: manifest.config.digest, size: manifest.config.size,
                                                     what: "config \(manifest.config.digest)")
        let diffIDs = config.rootfs?.diff_ids ?? []
        guard diffIDs.count == manifest.layers.count else {
            throw ImageError.invalidLayout(place, reason: "config \(manifest.config.digest) lists \(diffIDs.count) diff_ids for \(manifest.layers.count) layers")
        }
        var layers: [LayerBlob] = []
        for (d, diffID) in zip(manifest.layers, diffIDs) {
            let type = d.mediaType ?? "(none)"
            guard MediaType.layerCompression(type) != nil else {
                throw ImageError.unsupportedMediaType(type, for: "layer \(d.digest)")
            }
            let region = try blob(d.digest)
            guard region.length == d.size else {
                throw ImageError.sizeMismatch("layer \(d.digest)", expected: d.size, actual: region.length)
            }
            layers.append(LayerBlob(region: region, mediaType: type, digest: d.digest,
                                    diffID: diffID == d.digest ? nil : diffID, label: d.digest.short))
        }
        let plat = chosen ?? Platform(os: config.os ?? "linux", architecture: config.architecture ?? Platform.host.architecture,
                                      variant: config.variant)
        return ResolvedImage(reference: ref, manifestDigest: manifestDesc.digest, configDigest: manifest.config.digest,
                             configBytes: configBytes, config: config, layers: layers, platform: plat)
    }

    private func blob(_ d: Digest) throws -> FileRegion {
        guard let r = store.file("blobs/sha256/" + d.hex) else { throw ImageError.blobMissing(d.description, in: place) }
        return r
    }

    /// Picks the top-level entry of index.json by tag or digest; with neither, the only one or `latest`.
    private func select(_ entries: [Descriptor], _ selector: ImageSelector?) throws -> Descriptor {
        func tag(_ d: Descriptor) -> String? { d.annotations?["org.opencontainers.image.ref.name"] }
        let tags = entries.compactMap(tag)
        switch selector {
        case .tag(let t):
            if let d = entries.first(where: { tag($0) == t }) { return d }
            throw ImageError.imageNotFound("tagged \(t)", available: tags, in: place)
        case .digest(let dg):
            if let d = entries.first(where: { $0.digest == dg }) { return d }
            throw ImageError.imageNotFound(dg.description, available: entries.map(\.digest.description), in: place)
        case nil:
            if entries.count == 1 { return entries[0] }
            if let d = entries.first(where: { tag($0) == "latest" }) { return d }
            throw ImageError.imageNotFound(entries.isEmpty ? "at all" : "without a tag (name one)", available: tags, in: place)
        }
    }

    /// Follows image indexes down to a manifest, choosing by platform.
    private func descend(_ d: Descriptor, platform: Platform?, depth: Int = 0) throws -> (Descriptor, Platform?) {
        let region = try blob(d.digest)
        let (probe, _) = try readJSONBlob(MediaTypeProbe.self, region: region, digest: d.digest, size: d.size, what: "manifest \(d.digest)")
        let type = probe.mediaType ?? d.mediaType ?? (probe.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest)
        if MediaType.manifestTypes.contains(type) { return (d, d.statedPlatform) }
        guard MediaType.indexTypes.contains(type), depth < 4, let manifests = probe.manifests else {
            throw ImageError.unsupportedMediaType(type, for: "manifest \(d.digest)")
        }
        let want = platform ?? Platform.host
        // Attestation manifests (buildx) carry the platform unknown/unknown; they are not images.
        let images = manifests.filter { $0.statedPlatform?.architecture != "unknown" }
        if let match = images.first(where: { $0.statedPlatform.map(want.accepts) ?? false }) {
            return try descend(match, platform: platform, depth: depth + 1)
        }
        if images.count == 1, images[0].platform == nil { return try descend(images[0], platform: platform, depth: depth + 1) }
        throw ImageError.noMatchingPlatform(wanted: want.description,
                                            available: images.compactMap { $0.statedPlatform?.description })
    }

    private func readManifest(_ d: Descriptor) throws -> ImageManifest {
        let (m, _) = try readJSONBlob(ImageManifest.self, region: try blob(d.digest), digest: d.digest, size: d.size,
                                      what: "manifest \(d.digest)")
        if let t = m.mediaType, !MediaType.manifestTypes.contains(t) {
            throw ImageError.unsupportedMediaType(t, for: "manifest \(d.digest)")
        }
        return m
    }
}
