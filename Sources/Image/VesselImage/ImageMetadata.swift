import Glibc

/// Where a Vessel image keeps what it knows about itself, inside the SquashFS.
public enum MetadataPaths {
    public static let directory = ".vessel"
    /// How to run the image: Env, Entrypoint, Cmd, WorkingDir, User, Labels.
    public static let config = "config.json"
    /// Where the image came from and how it was built.
    public static let provenance = "provenance.json"
    /// The image configuration blob exactly as the source had it.
    public static let imageConfig = "image-config.json"
}

/// The run-time configuration of an image, as the runtime reads it.
public struct RuntimeConfig: Codable, Equatable, Sendable {
    public var env: [String]
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var workingDir: String?
    public var user: String?
    public var labels: [String: String]
    public var stopSignal: String?
    public var platform: String
    /// VOLUME directories, made at run time when the image's layers lack them (as podman does);
    /// absent when there are none, so that such images' bytes are as before.
    public var volumes: [String]?
}

/// What an image is and how it was made: enough to rebuild it bit for bit. It names content
/// (digests), not the place it was read from, so that the same image converted from a registry,
/// a layout or an archive gives the same bytes. Images from Vessel 0.1.0 also carried the source.
public struct Provenance: Codable, Equatable, Sendable {
    public struct Layer: Codable, Equatable, Sendable {
        public var digest: String?
        public var mediaType: String
        public var size: Int64

        public init(digest: String?, mediaType: String, size: Int64) {
            self.digest = digest
            self.mediaType = mediaType
            self.size = size
        }
    }

    public struct Build: Codable, Equatable, Sendable {
        public var compression: String
        public var level: Int?
        public var blockSize: Int
        /// The time stamp of the image's super block and of /.vessel/ (SOURCE_DATE_EPOCH or the image's creation time).
        public var timestamp: Int64

        public init(compression: String, level: Int?, blockSize: Int, timestamp: Int64) {
            self.compression = compression
            self.level = level
            self.blockSize = blockSize
            self.timestamp = timestamp
        }
    }

    /// A container's root saved as an image (`--save`, `--container-save`): the image it started
    /// from and where it ran. The rest of the provenance is that base image's.
    public struct SavedFrom: Codable, Equatable, Sendable {
        /// The SHA-256 of the base image file.
        public var image: String
        /// "JOBID.STEPID on NODE" for a Slurm step; absent for `vessel exec --save`.
        public var job: String?

        public init(image: String, job: String?) {
            self.image = image
            self.job = job
        }
    }

    public var source: String?
    public var transport: String?
    public var manifestDigest: String?
    public var configDigest: String
    public var platform: String
    public var created: String?
    public var layers: [Layer]
    public var vesselVersion: String
    public var build: Build
    /// Absent (and so not in the JSON) unless the image is a saved container.
    public var savedFrom: SavedFrom?

    public init(source: String? = nil, transport: String? = nil, manifestDigest: String?, configDigest: String, platform: String,
                created: String?, layers: [Layer], vesselVersion: String, build: Build) {
        self.source = source
        self.transport = transport
        self.manifestDigest = manifestDigest
        self.configDigest = configDigest
        self.platform = platform
        self.created = created
        self.layers = layers
        self.vesselVersion = vesselVersion
        self.build = build
    }
}
