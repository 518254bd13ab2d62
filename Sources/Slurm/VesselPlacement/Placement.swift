import Foundation

/// One way to run the job: a partition, and the GPU type asked for there.
public struct Candidate: Sendable, Equatable {
    public var partition: String
    public var gpuType: String?
    /// Nodes of the partition that can take the job (each alone).
    public var eligibleNodes: [String]

    public init(partition: String, gpuType: String?, eligibleNodes: [String]) {
        self.partition = partition
        self.gpuType = gpuType
        self.eligibleNodes = eligibleNodes
    }
}

/// Slurm's answer for one candidate: when the job would start, and on which nodes.
public struct Estimate: Sendable {
    public var start: Date
    public var nodes: [String]

    public init(start: Date, nodes: [String]) {
        self.start = start
        self.nodes = nodes
    }
}

/// What placement thought of one partition (and GPU type).
public struct Verdict: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Where the job goes.
        case chosen
        /// Could run the job, but starts later or fits worse.
        case eligible
        /// Cannot run the job; `reason` says why.
        case excluded
    }

    public var partition: String
    public var gpuType: String?
    public var status: Status
    public var reason: String?
    public var estimatedStart: Date?
    public var nodes: [String]
    /// GPUs the job would leave idle on the nodes it gets (GPUs per node minus those asked for).
    public var spareGPUs: Int?
    public var priorityTier: Int
}

/// The outcome of placement: every verdict, the chosen one first.
public struct Placement: Codable, Sendable {
    public var request: JobRequest
    public var requirements: ImageRequirements
    public var decidedAt: Date
    public var verdicts: [Verdict]

    public var chosen: Verdict? { verdicts.first { $0.status == .chosen } }
}

public enum PlacementError: Error, CustomStringConvertible, Equatable {
    case nothingFits([Verdict])
    case unknownPartition(String, known: [String])
    case badLabel(String, String)
    case badRequest(String)

    public var description: String {
        switch self {
        case .nothingFits(let verdicts):
            let why = verdicts.map { v in "\(v.partition)\(v.gpuType.map { " (\($0))" } ?? ""): \(v.reason ?? "excluded")" }
            return "no partition can run this job: " + why.joined(separator: "; ")
        case .unknownPartition(let name, let known):
            return "no partition \(name) (partitions: \(known.joined(separator: ", ")))"
        case .badLabel(let label, let value):
            return "the image's label \(label)=\(value) is not a version such as 12.2"
        case .badRequest(let why):
            return why
        }
    }
}
