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
        let manifest = try ManifestSelection.decodeManifest(try blob(manifestDesc.digest).readAll(), what: "manifest \(manifestDesc.digest)")
        let configRegion = try blob(manifest.config.digest)
        let (_, configBytes) = try readJSONBlob(ImageConfigFile.self, region: configRegion,
                                                digest: manifest.config.digest, size: manifest.config.size,
                                                what: "config \(manifest.config.digest)")
        return try ManifestSelection.assemble(reference: ref, manifestDigest: manifestDesc.digest, manifest: manifest,
                                              configBytes: configBytes, statedPlatform: chosen, place: place) { try blob($0.digest) }
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
        let what = "manifest \(d.digest)"
        let (_, bytes) = try readJSONBlob(MediaTypeProbe.self, region: region, digest: d.digest, size: d.size, what: what)
        switch try ManifestSelection.kind(of: bytes, declared: d.mediaType, what: what) {
        case (.manifest, _):
            return (d, d.statedPlatform)
        case (.index(let manifests), let type):
            guard depth < 4 else { throw ImageError.unsupportedMediaType(type, for: what + " (indexes nested too deep)") }
            return try descend(try ManifestSelection.choose(manifests, platform: platform), platform: platform, depth: depth + 1)
        }
    }
}
