/// What a job needs, as `vessel submit` was told: the resources placement matches against
/// partitions and nodes. Counts are per node, as Slurm's --gpus-per-node and --ntasks-per-node.
public struct JobRequest: Codable, Sendable, Equatable {
    public var gpusPerNode = 0
    /// Acceptable GPU types (GRES types such as a100); empty accepts any.
    public var gpuTypes: [String] = []
    public var nodes = 1
    public var tasksPerNode = 1
    public var cpusPerTask = 1
    /// Per node; nil leaves it to the partition's default.
    public var memoryMB: Int?
    /// nil leaves it to the partition's default time limit.
    public var timeMinutes: Int?
    /// The partitions to consider; nil means every partition (`--partition auto`).
    public var partitions: [String]?
    /// The groups of the submitting user, matched against AllowGroups.
    public var userGroups: [String] = []
    /// The account to charge (--account), matched against AllowAccounts and DenyAccounts;
    /// nil leaves those unchecked (the user's default account is known only to slurmdbd).
    public var account: String?

    public init() {}

    public var cpusPerNode: Int { tasksPerNode * cpusPerTask }
}

/// What an image says it needs of a node, from its labels:
///   org.vessel.gpu.types  GPU models the image was built for (a100,h100): a node must carry one
///                         of them as a Feature;
///   org.vessel.cuda       the minimum CUDA version: a node must carry a feature cudaX.Y with
///                         X.Y at least that.
public struct ImageRequirements: Codable, Sendable, Equatable {
    public static let gpuTypesLabel = "org.vessel.gpu.types"
    public static let cudaLabel = "org.vessel.cuda"

    public var gpuFeatures: [String] = []
    public var cudaMinimum: Version?

    public init() {}

    public init(labels: [String: String]) throws {
        if let types = labels[Self.gpuTypesLabel] {
            gpuFeatures = types.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let cuda = labels[Self.cudaLabel] {
            guard let v = Version(cuda) else { throw PlacementError.badLabel(Self.cudaLabel, cuda) }
            cudaMinimum = v
        }
    }

    public var isEmpty: Bool { gpuFeatures.isEmpty && cudaMinimum == nil }

    /// Why `node` cannot run the image, or nil when it can.
    func refusal(_ node: Node) -> String? {
        if !gpuFeatures.isEmpty, !gpuFeatures.contains(where: node.features.contains) {
            return "the image needs a node with feature \(gpuFeatures.joined(separator: " or ")) (label \(Self.gpuTypesLabel))"
        }
        if let min = cudaMinimum {
            let offered = node.features.compactMap(Self.cudaFeature)
            if !offered.contains(where: { $0 >= min }) {
                return "the image needs CUDA \(min) or newer, and no node offers a feature cuda\(min) or above (label \(Self.cudaLabel))"
            }
        }
        return nil
    }

    /// `cuda12.2` (also `cuda_12.2`, `cuda-12.2`) as a version.
    static func cudaFeature(_ feature: String) -> Version? {
        guard feature.lowercased().hasPrefix("cuda") else { return nil }
        var rest = feature.dropFirst(4)
        if let c = rest.first, c == "_" || c == "-" || c == "=" { rest = rest.dropFirst() }
        return Version(String(rest))
    }
}

/// A dotted version such as 12.2, compared numerically.
public struct Version: Codable, Sendable, Comparable, CustomStringConvertible {
    public var parts: [Int]

    public init?(_ text: String) {
        let p = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !p.isEmpty, p.allSatisfy({ $0 != nil }) else { return nil }
        parts = p.map { $0! }
    }

    public static func < (a: Version, b: Version) -> Bool {
        for i in 0..<max(a.parts.count, b.parts.count) {
            let x = i < a.parts.count ? a.parts[i] : 0, y = i < b.parts.count ? b.parts[i] : 0
            if x != y { return x < y }
        }
        return false
    }

    public static func == (a: Version, b: Version) -> Bool { !(a < b) && !(b < a) }

    public var description: String { parts.map(String.init).joined(separator: ".") }
}

import Foundation
