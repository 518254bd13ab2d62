import Foundation

/// The steps every source kind takes once it holds a manifest's bytes: telling an index from an
/// image manifest, choosing an index entry by platform, and turning a manifest and its config
/// into a `ResolvedImage`. Local layouts and registries differ only in where bytes come from.
public enum ManifestSelection {
    /// What a fetched manifest document is.
    public enum Kind { case index([Descriptor]), manifest }

    public static func kind(of bytes: [UInt8], declared: String?, what: String) throws -> (Kind, String) {
        let probe: MediaTypeProbe
        do { probe = try JSONDecoder().decode(MediaTypeProbe.self, from: Data(bytes)) } catch {
            throw ImageError.invalidJSON(what, reason: shortDecodingError(error))
        }
        let type = probe.mediaType ?? declared ?? (probe.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest)
        if MediaType.manifestTypes.contains(type) { return (.manifest, type) }
        if MediaType.indexTypes.contains(type), let manifests = probe.manifests { return (.index(manifests), type) }
        if type == MediaType.dockerManifestV1 || probe.schemaVersion == 1 {
            throw ImageError.unsupportedMediaType("Docker schema 1 (deprecated; re-push the image with a current client)", for: what)
        }
        throw ImageError.unsupportedMediaType(type, for: what)
    }

    /// The index entry for `platform` (default: this machine's).
    public static func choose(_ manifests: [Descriptor], platform: Platform?) throws -> Descriptor {
        let want = platform ?? Platform.host
        // Attestation manifests (buildx) carry the platform unknown/unknown; they are not images.
        let images = manifests.filter { $0.statedPlatform?.architecture != "unknown" }
        if let match = images.first(where: { $0.statedPlatform.map(want.accepts) ?? false }) { return match }
        if images.count == 1, images[0].platform == nil { return images[0] }
        throw ImageError.noMatchingPlatform(wanted: want.description,
                                            available: images.compactMap { $0.statedPlatform?.description })
    }

    public static func decodeManifest(_ bytes: [UInt8], what: String) throws -> ImageManifest {
        let m: ImageManifest
        do { m = try JSONDecoder().decode(ImageManifest.self, from: Data(bytes)) } catch {
            throw ImageError.invalidJSON(what, reason: shortDecodingError(error))
        }
        if let t = m.mediaType, !MediaType.manifestTypes.contains(t) {
            throw ImageError.unsupportedMediaType(t, for: what)
        }
        return m
    }

    /// Checks the config against the manifest (one diff_id per layer, known layer types) and
    /// locates every layer through `region`.
    public static func assemble(reference: SourceReference, manifestDigest: Digest?, manifest: ImageManifest,
                                configBytes: [UInt8], statedPlatform: Platform?, place: String,
                                region: (Descriptor) throws -> FileRegion) throws -> ResolvedImage {
        let config: ImageConfigFile
        do { config = try JSONDecoder().decode(ImageConfigFile.self, from: Data(configBytes)) } catch {
            throw ImageError.invalidJSON("config \(manifest.config.digest)", reason: shortDecodingError(error))
        }
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
            let r = try region(d)
            guard r.length == d.size else {
                throw ImageError.sizeMismatch("layer \(d.digest)", expected: d.size, actual: r.length)
            }
            layers.append(LayerBlob(region: r, mediaType: type, digest: d.digest,
                                    diffID: diffID == d.digest ? nil : diffID, label: d.digest.short))
        }
        let plat = statedPlatform ?? Platform(os: config.os ?? "linux", architecture: config.architecture ?? Platform.host.architecture,
                                              variant: config.variant)
        return ResolvedImage(reference: reference, manifestDigest: manifestDigest, configDigest: manifest.config.digest,
                             configBytes: configBytes, config: config, layers: layers, platform: plat)
    }
}
