/// Media types Vessel reads, in OCI and Docker spellings.
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"

    public static let indexTypes: Set<String> = [ociIndex, dockerManifestList]
    public static let manifestTypes: Set<String> = [ociManifest, dockerManifest]

    /// How a layer blob is compressed, judged by its media type; nil when the type is not a layer
    /// type Vessel understands.
    public static func layerCompression(_ type: String) -> LayerCompression? {
        switch type {
        case "application/vnd.oci.image.layer.v1.tar",
             "application/vnd.oci.image.layer.nondistributable.v1.tar",
             "application/vnd.docker.image.rootfs.diff.tar":
            return LayerCompression.none
        case "application/vnd.oci.image.layer.v1.tar+gzip",
             "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
             "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            return .gzip
        case "application/vnd.oci.image.layer.v1.tar+zstd",
             "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
             "application/vnd.docker.image.rootfs.diff.tar.zstd":
            return .zstd
        default:
            return nil
        }
    }
}

public enum LayerCompression: String, Sendable, Codable {
    case none, gzip, zstd
}
