import Foundation

/// Chooses the partition where a job starts soonest. Partitions that can never run the job are
/// excluded with the reason; the rest are asked (through `estimate`, which is Slurm's will-run in
/// practice) when the job would start there, one partition at a time, because Slurm answers a
/// list of partitions with the first that fits, not the earliest. The earliest start wins; starts
/// within the same `tieWindow` count as equal, and then the fewest idle GPUs win, then the
/// higher PriorityTier, then the name.
public struct Planner {
    public var tieWindow: TimeInterval = 30

    public init() {}

    public func place(_ inventory: Inventory, request: JobRequest, requirements: ImageRequirements = ImageRequirements(),
                      now: Date = Date(), estimate: (Candidate) throws -> Estimate) throws -> Placement {
        let (candidates, excluded) = try screen(inventory, request: request, requirements: requirements)
        let tiers = Dictionary(inventory.partitions.map { ($0.name, $0.priorityTier) }, uniquingKeysWith: { a, _ in a })
        let nodes = Dictionary(inventory.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var verdicts = excluded
        var ranked: [(verdict: Verdict, key: (Int, Int, Int, String))] = []
        for c in candidates {
            var v = Verdict(partition: c.partition, gpuType: c.gpuType, status: .eligible, reason: nil,
                            estimatedStart: nil, nodes: [], spareGPUs: nil, priorityTier: tiers[c.partition] ?? 0)
            do {
                let e = try estimate(c)
                let start = max(e.start, now)
                v.estimatedStart = start
                v.nodes = e.nodes.isEmpty ? Array(fewestGPUsFirst(c.eligibleNodes, nodes, type: c.gpuType).prefix(request.nodes)) : e.nodes
                let spare = v.nodes.compactMap { nodes[$0] }.reduce(0) { $0 + $1.gpuCount(type: c.gpuType) - request.gpusPerNode }
                v.spareGPUs = spare
                let bucket = Int(start.timeIntervalSince(now) / tieWindow)
                ranked.append((v, (bucket, spare, -v.priorityTier, v.partition + ":" + (c.gpuType ?? ""))))
            } catch {
                v.status = .excluded
                v.reason = "Slurm: \(error)"
                verdicts.append(v)
            }
        }
        ranked.sort { $0.key < $1.key }
        var ordered = ranked.map(\.verdict)
        if !ordered.isEmpty {
            ordered[0].status = .chosen
            for i in 1..<ordered.count {
                ordered[i].reason = Self.whyNot(ordered[i], than: ordered[0], window: tieWindow)
            }
        }
        let placement = Placement(request: request, requirements: requirements, decidedAt: now, verdicts: ordered + verdicts)
        guard placement.chosen != nil else { throw PlacementError.nothingFits(verdicts) }
        return placement
    }

    /// Splits the partitions into candidates and excluded verdicts, without asking Slurm.
    public func screen(_ inventory: Inventory, request: JobRequest, requirements: ImageRequirements) throws -> ([Candidate], [Verdict]) {
        guard request.nodes >= 1, request.tasksPerNode >= 1, request.cpusPerTask >= 1, request.gpusPerNode >= 0 else {
            throw PlacementError.badRequest("nodes, tasks per node and CPUs per task must be at least 1")
        }
        let names = inventory.partitions.map(\.name)
        var partitions = inventory.partitions
        if let wanted = request.partitions {
            for w in wanted where !names.contains(w) { throw PlacementError.unknownPartition(w, known: names) }
            partitions = wanted.compactMap { w in inventory.partitions.first { $0.name == w } }
        }
        let nodes = Dictionary(inventory.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var candidates: [Candidate] = []
        var excluded: [Verdict] = []
        func exclude(_ p: Partition, _ type: String?, _ reason: String) {
            excluded.append(Verdict(partition: p.name, gpuType: type, status: .excluded, reason: reason,
                                    estimatedStart: nil, nodes: [], spareGPUs: nil, priorityTier: p.priorityTier))
        }
        for p in partitions {
            if let reason = partitionRefusal(p, request) {
                exclude(p, nil, reason)
                continue
            }
            let members = p.nodeNames.compactMap { nodes[$0] }
            for type in gpuTypes(members, request) {
                switch eligibleNodes(members, type: type, request: request, requirements: requirements) {
                case .success(let eligible):
                    candidates.append(Candidate(partition: p.name, gpuType: type, eligibleNodes: eligible.map(\.name)))
                case .failure(let refusal):
                    exclude(p, type, refusal.reason)
                }
            }
        }
        return (candidates, excluded)
    }

    private func partitionRefusal(_ p: Partition, _ r: JobRequest) -> String? {
        if !p.isUp { return "the partition is \(p.state.lowercased())" }
        if let max = p.maxTimeMinutes, let t = r.timeMinutes, t > max {
            return "time limit \(SlurmValues.duration(minutes: t)) is over the partition's MaxTime \(SlurmValues.duration(minutes: max))"
        }
        if let max = p.maxNodes, r.nodes > max { return "\(r.nodes) nodes requested, the partition's MaxNodes is \(max)" }
        if r.nodes > p.nodeNames.count { return "\(r.nodes) nodes requested, the partition has \(p.nodeNames.count)" }
        if let groups = p.allowGroups, !groups.contains(where: r.userGroups.contains) {
            return "only groups \(groups.joined(separator: ",")) may use it (AllowGroups)"
        }
        if let account = r.account {
            if let allowed = p.allowAccounts, !allowed.contains(account) {
                return "account \(account) may not use it (AllowAccounts=\(allowed.joined(separator: ",")))"
            }
            if p.denyAccounts?.contains(account) == true { return "account \(account) may not use it (DenyAccounts)" }
        }
        return nil
    }

    /// The GPU types to ask for in a partition: those requested that its nodes have, or all it
    /// has; nil (no type) for jobs without GPUs. A type requested but absent is still returned
    /// (once, as nil) so that the verdict says so.
    private func gpuTypes(_ members: [Node], _ r: JobRequest) -> [String?] {
        guard r.gpusPerNode > 0 else { return [nil] }
        var present: [String] = []
        for n in members { for t in n.gpuTypes where !present.contains(t) { present.append(t) } }
        if r.gpuTypes.isEmpty { return present.isEmpty ? [nil] : present }
        let both = r.gpuTypes.filter(present.contains)
        return both.isEmpty ? [nil] : both
    }

    struct Refusal: Error { let reason: String }

    /// The nodes able to take one node's share of the job, checked need by need so that a
    /// refusal names the first need nothing meets.
    private func eligibleNodes(_ members: [Node], type: String?, request r: JobRequest, requirements: ImageRequirements) -> Result<[Node], Refusal> {
        var pool = members.filter(\.isAvailable)
        if pool.isEmpty { return .failure(Refusal(reason: "all \(members.count) nodes are down, drained or not responding")) }
        if r.gpusPerNode > 0 {
            let wanted = r.gpuTypes.isEmpty ? [type].compactMap { $0 } : r.gpuTypes
            // A requested type that no node here has comes as type nil.
            let typed = !r.gpuTypes.isEmpty && type == nil ? [] : pool.filter { $0.gpuCount(type: type) > 0 }
            if typed.isEmpty {
                let has = Set(pool.flatMap(\.gpuTypes)).sorted()
                let want = wanted.isEmpty ? "no GPUs" : "no \(wanted.joined(separator: " or ")) GPUs"
                return .failure(Refusal(reason: want + (has.isEmpty ? "" : " (it has \(has.joined(separator: ", ")))")))
            }
            pool = typed.filter { $0.gpuCount(type: type) >= r.gpusPerNode }
            if pool.isEmpty {
                let most = typed.map { $0.gpuCount(type: type) }.max() ?? 0
                return .failure(Refusal(reason: "\(r.gpusPerNode) \(type ?? "") GPUs per node requested, its nodes have at most \(most)".replacingOccurrences(of: "  ", with: " ")))
            }
        }
        let fitting = pool.filter { $0.cpus >= r.cpusPerNode }
        if fitting.isEmpty {
            return .failure(Refusal(reason: "\(r.cpusPerNode) CPUs per node requested, its nodes have at most \(pool.map(\.cpus).max() ?? 0)"))
        }
        pool = fitting
        if let mem = r.memoryMB {
            let enough = pool.filter { $0.memoryMB >= mem }
            if enough.isEmpty {
                return .failure(Refusal(reason: "\(mem) MB per node requested, its nodes have at most \(pool.map(\.memoryMB).max() ?? 0) MB"))
            }
            pool = enough
        }
        if !requirements.isEmpty {
            let able = pool.filter { requirements.refusal($0) == nil }
            if able.isEmpty, let first = pool.first, let why = requirements.refusal(first) { return .failure(Refusal(reason: why)) }
            pool = able
        }
        if pool.count < r.nodes {
            return .failure(Refusal(reason: "\(r.nodes) nodes requested, only \(pool.count) can take the job"))
        }
        return .success(pool)
    }

    private func fewestGPUsFirst(_ names: [String], _ nodes: [String: Node], type: String?) -> [String] {
        names.sorted { (nodes[$0]?.gpuCount(type: type) ?? 0) < (nodes[$1]?.gpuCount(type: type) ?? 0) }
    }

    static func whyNot(_ v: Verdict, than best: Verdict, window: TimeInterval) -> String {
        if let a = v.estimatedStart, let b = best.estimatedStart, a.timeIntervalSince(b) >= window {
            return "starts later"
        }
        if let a = v.spareGPUs, let b = best.spareGPUs, a > b {
            return "as soon, but leaves more GPUs idle (\(a) against \(b))"
        }
        if v.priorityTier < best.priorityTier { return "as soon and as tight, lower PriorityTier" }
        return "as good; \(best.partition) comes first by name"
    }
}
