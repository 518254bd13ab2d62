import Foundation

/// provenance.json beside a job's results: what ran, where, how it ended, and whether the copy
/// home succeeded. Written by the collector at the end of the job, on each node.
public struct ResultProvenance: Codable, Sendable {
    public static let fileName = "provenance.json"

    public struct Image: Codable, Sendable {
        /// As the user named it (docker://..., a path).
        public var reference: String?
        /// The manifest digest (or config digest) it resolved to at submission.
        public var digest: String?
        /// The SquashFS file the nodes ran.
        public var path: String?

        public init(reference: String?, digest: String?, path: String?) {
            self.reference = reference
            self.digest = digest
            self.path = path
        }
    }

    public struct Collection: Codable, Sendable {
        public enum Status: String, Codable, Sendable { case collected, failed }
        public var status: Status
        public var attempts: Int
        public var error: String?
        /// Where the results stay when they could not be copied: NODE:PATH.
        public var keptAt: String?
        public var files: Int
        public var bytes: Int64
        public var collectedAt: Date

        public init(status: Status, attempts: Int, error: String? = nil, keptAt: String? = nil, files: Int, bytes: Int64, collectedAt: Date) {
            self.status = status
            self.attempts = attempts
            self.error = error
            self.keptAt = keptAt
            self.files = files
            self.bytes = bytes
            self.collectedAt = collectedAt
        }
    }

    public var jobID: String
    public var jobName: String?
    public var user: String
    public var image: Image
    public var command: [String]
    public var partition: String?
    public var nodes: [String]
    /// The node these results come from.
    public var node: String
    /// GPUs as requested (gres:gpu:a100:1) and the device indices this node gave the job.
    public var gpusRequested: String?
    public var gpuDevices: String?
    public var state: String?
    public var exitCode: Int
    public var signal: Int
    public var startTime: Date?
    public var endTime: Date?
    public var vesselVersion: String
    public var collection: Collection

    // jobID is spelled jobId for the snake_case key conversion (job_id both ways).
    enum CodingKeys: String, CodingKey {
        case jobID = "jobId"
        case jobName, user, image, command, partition, nodes, node, gpusRequested, gpuDevices, state
        case exitCode, signal, startTime, endTime, vesselVersion, collection
    }

    public init(jobID: String, jobName: String?, user: String, image: Image, command: [String], partition: String?,
                nodes: [String], node: String, gpusRequested: String?, gpuDevices: String?, state: String?,
                exitCode: Int, signal: Int, startTime: Date?, endTime: Date?, vesselVersion: String, collection: Collection) {
        self.jobID = jobID
        self.jobName = jobName
        self.user = user
        self.image = image
        self.command = command
        self.partition = partition
        self.nodes = nodes
        self.node = node
        self.gpusRequested = gpusRequested
        self.gpuDevices = gpuDevices
        self.state = state
        self.exitCode = exitCode
        self.signal = signal
        self.startTime = startTime
        self.endTime = endTime
        self.vesselVersion = vesselVersion
        self.collection = collection
    }

    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        return try e.encode(self)
    }

    public static func decode(_ data: Data) throws -> ResultProvenance {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return try d.decode(ResultProvenance.self, from: data)
    }
}
