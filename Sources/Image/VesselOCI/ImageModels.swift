/// The JSON documents of the OCI image spec (and Docker's schema 2, which uses the same keys).

public struct Descriptor: Codable, Sendable {
    public var mediaType: String?
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var platform: PlatformField?

    public init(mediaType: String?, digest: Digest, size: Int64, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }

    /// The platform as the index states it.
    public var statedPlatform: Platform? {
        platform.map { Platform(os: $0.os, architecture: $0.architecture, variant: $0.variant) }
    }
}

public struct PlatformField: Codable, Sendable {
    public var architecture: String
    public var os: String
    public var variant: String?
}

/// An image index or a Docker manifest list: both just list manifests.
public struct ImageIndex: Codable, Sendable {
    public var mediaType: String?
    public var manifests: [Descriptor]
}

public struct ImageManifest: Codable, Sendable {
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
}

/// The parts of an image configuration that decide how a container runs.
public struct ImageConfigFile: Codable, Sendable {
    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var created: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS?

    public struct RootFS: Codable, Sendable {
        public var type: String?
        public var diff_ids: [Digest]?
    }
}

public struct ContainerConfig: Codable, Sendable, Equatable {
    public var User: String?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    /// VOLUME directories: `{"/path": {}}`.
    public var Volumes: [String: Empty]?

    /// A JSON object whose members do not matter.
    public struct Empty: Codable, Sendable, Equatable {}
}

/// One entry of a `docker save` archive's manifest.json.
struct DockerArchiveEntry: Codable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}

/// Just enough of a JSON document to tell an index from a manifest when mediaType is absent.
struct MediaTypeProbe: Codable {
    var mediaType: String?
    var schemaVersion: Int?
    var manifests: [Descriptor]?
    var layers: [Descriptor]?
}
