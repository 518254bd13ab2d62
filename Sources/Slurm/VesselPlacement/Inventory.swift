import Foundation

/// What a Slurm cluster looks like at one moment: its partitions and nodes, as placement needs
/// them. Read live through libslurm (VesselSlurm), or from a recorded file (benchmarks, tests).
public struct Inventory: Codable, Sendable {
    public var partitions: [Partition]
    public var nodes: [Node]

    public init(partitions: [Partition], nodes: [Node]) {
        self.partitions = partitions
        self.nodes = nodes
    }
}

public struct Partition: Codable, Sendable, Equatable {
    public var name: String
    /// Whether the partition accepts and schedules jobs (Slurm's State=UP).
    public var isUp: Bool
    public var state: String
    public var nodeNames: [String]
    /// Minutes; nil when unlimited.
    public var maxTimeMinutes: Int?
    /// nil when unlimited.
    public var maxNodes: Int?
    /// nil when every group may use it (AllowGroups=ALL).
    public var allowGroups: [String]?
    /// nil when every account may use it (AllowAccounts=ALL).
    public var allowAccounts: [String]?
    public var denyAccounts: [String]?
    /// Higher tiers are scheduled first (PriorityTier); a tie-breaker in placement.
    public var priorityTier: Int
    public var isDefault: Bool

    public init(name: String, isUp: Bool = true, state: String = "UP", nodeNames: [String], maxTimeMinutes: Int? = nil,
                maxNodes: Int? = nil, allowGroups: [String]? = nil, allowAccounts: [String]? = nil, denyAccounts: [String]? = nil,
                priorityTier: Int = 1, isDefault: Bool = false) {
        self.name = name
        self.isUp = isUp
        self.state = state
        self.nodeNames = nodeNames
        self.maxTimeMinutes = maxTimeMinutes
        self.maxNodes = maxNodes
        self.allowGroups = allowGroups
        self.allowAccounts = allowAccounts
        self.denyAccounts = denyAccounts
        self.priorityTier = priorityTier
        self.isDefault = isDefault
    }
}

public struct Node: Codable, Sendable, Equatable {
    public var name: String
    public var state: String
    /// False for nodes that take no new work: down, drained, failing, not responding.
    public var isAvailable: Bool
    public var cpus: Int
    public var memoryMB: Int
    public var features: [String]
    public var gpus: [GPUCount]
    public var gpusUsed: [GPUCount]

    public init(name: String, state: String = "IDLE", isAvailable: Bool = true, cpus: Int, memoryMB: Int,
                features: [String] = [], gpus: [GPUCount] = [], gpusUsed: [GPUCount] = []) {
        self.name = name
        self.state = state
        self.isAvailable = isAvailable
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.features = features
        self.gpus = gpus
        self.gpusUsed = gpusUsed
    }

    /// GPUs of `type` on the node (any type when nil).
    public func gpuCount(type: String?) -> Int {
        gpus.filter { type == nil || $0.type == type }.reduce(0) { $0 + $1.count }
    }

    public var gpuTypes: [String] { gpus.compactMap(\.type) }
}

/// One GRES entry of kind gpu: `gpu:a100:4` is type a100, count 4; `gpu:4` has no type.
public struct GPUCount: Codable, Sendable, Equatable {
    public var type: String?
    public var count: Int

    public init(type: String?, count: Int) {
        self.type = type
        self.count = count
    }

    /// The gpu entries of a Slurm GRES string such as `gpu:a100:2(S:0-1),gpu:v100:1`,
    /// `gpu:a100:2(IDX:0,2)` or `gpu:0`. Other GRES kinds are ignored.
    public static func parse(_ gres: String?) -> [GPUCount] {
        guard let gres, !gres.isEmpty, gres != "(null)" else { return [] }
        var items: [Substring] = []
        var depth = 0, start = gres.startIndex
        for i in gres.indices {
            switch gres[i] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                items.append(gres[start..<i])
                start = gres.index(after: i)
            default: break
            }
        }
        items.append(gres[start...])
        return items.compactMap { item in
            let bare = item.split(separator: "(", maxSplits: 1).first ?? item
            let parts = bare.split(separator: ":").map(String.init)
            guard parts.first == "gpu" else { return nil }
            switch parts.count {
            case 2: return Int(parts[1]).map { GPUCount(type: nil, count: $0) }
            case 3: return Int(parts[2]).map { GPUCount(type: parts[1], count: $0) }
            default: return nil
            }
        }
    }
}
