import Foundation
import VesselPlacement
import XCTest

/// Placement decisions on inventories shaped like the test cluster (and larger ones), with
/// start estimates given by the test instead of Slurm.
final class PlannerTests: XCTestCase {
    /// gpu-a100: one node with 4 a100; gpu-v100: two nodes with 2 v100 each; cpu: one node.
    private let cluster = Inventory(
        partitions: [
            Partition(name: "cpu", nodeNames: ["cpu-1"], isDefault: true),
            Partition(name: "gpu-a100", nodeNames: ["a100-1"], maxTimeMinutes: 1440),
            Partition(name: "gpu-v100", nodeNames: ["v100-1", "v100-2"], maxTimeMinutes: 1440),
        ],
        nodes: [
            Node(name: "cpu-1", cpus: 4, memoryMB: 4000, features: ["cpu"]),
            Node(name: "a100-1", cpus: 4, memoryMB: 4000, features: ["gpu", "a100"], gpus: [GPUCount(type: "a100", count: 4)]),
            Node(name: "v100-1", cpus: 4, memoryMB: 4000, features: ["gpu", "v100"], gpus: [GPUCount(type: "v100", count: 2)]),
            Node(name: "v100-2", cpus: 4, memoryMB: 4000, features: ["gpu", "v100"], gpus: [GPUCount(type: "v100", count: 2)]),
        ])

    private func request(gpus: Int, types: [String] = [], nodes: Int = 1) -> JobRequest {
        var r = JobRequest()
        r.gpusPerNode = gpus
        r.gpuTypes = types
        r.nodes = nodes
        return r
    }

    private func place(_ r: JobRequest, requirements: ImageRequirements = ImageRequirements(),
                       starts: [String: TimeInterval] = [:]) throws -> Placement {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return try Planner().place(cluster, request: r, requirements: requirements, now: now) { c in
            Estimate(start: now.addingTimeInterval(starts[c.partition] ?? 0), nodes: [])
        }
    }

    func testTheEarliestStartWins() throws {
        let p = try place(request(gpus: 1, types: ["a100", "v100"]), starts: ["gpu-v100": 3600])
        XCTAssertEqual(p.chosen?.partition, "gpu-a100")
        let v100 = p.verdicts.first { $0.partition == "gpu-v100" }
        XCTAssertEqual(v100?.status, .eligible)
        XCTAssertEqual(v100?.reason, "starts later")
    }

    func testAtTheSameStartTheFewestIdleGPUsWin() throws {
        let p = try place(request(gpus: 1, types: ["a100", "v100"]))
        XCTAssertEqual(p.chosen?.partition, "gpu-v100")
        XCTAssertEqual(p.chosen?.spareGPUs, 1)
        XCTAssertEqual(p.verdicts.first { $0.partition == "gpu-a100" }?.spareGPUs, 3)
        // Starts 20 s apart are the same start.
        XCTAssertEqual(try place(request(gpus: 1), starts: ["gpu-v100": 20]).chosen?.partition, "gpu-v100")
    }

    func testACPUJobPrefersNodesWithoutGPUs() throws {
        XCTAssertEqual(try place(request(gpus: 0)).chosen?.partition, "cpu")
    }

    func testPriorityTierBreaksARemainingTie() throws {
        var inv = cluster
        inv.partitions.append(Partition(name: "gpu-v100-high", nodeNames: ["v100-1", "v100-2"], priorityTier: 5))
        let now = Date()
        let p = try Planner().place(inv, request: request(gpus: 1, types: ["v100"]), now: now) { _ in Estimate(start: now, nodes: []) }
        XCTAssertEqual(p.chosen?.partition, "gpu-v100-high")
    }

    func testImpossibleRequestsSayWhyForEachPartition() throws {
        XCTAssertThrowsError(try place(request(gpus: 8, types: ["a100"]))) { error in
            guard case PlacementError.nothingFits(let verdicts) = error else { return XCTFail("\(error)") }
            let why = Dictionary(uniqueKeysWithValues: verdicts.map { ($0.partition, $0.reason ?? "") })
            XCTAssertEqual(why["gpu-a100"], "8 a100 GPUs per node requested, its nodes have at most 4")
            XCTAssertEqual(why["gpu-v100"], "no a100 GPUs (it has v100)")
            XCTAssertEqual(why["cpu"], "no a100 GPUs")
            XCTAssertTrue("\(error)".hasPrefix("no partition can run this job: "), "\(error)")
        }
    }

    func testPartitionLimitsExclude() throws {
        var r = request(gpus: 1, types: ["v100"])
        r.timeMinutes = 2 * 1440
        XCTAssertThrowsError(try place(r)) { error in
            XCTAssertTrue("\(error)".contains("gpu-v100: time limit 2-00:00:00 is over the partition's MaxTime 1-00:00:00"), "\(error)")
        }
        var three = request(gpus: 1, types: ["v100"], nodes: 3)
        XCTAssertThrowsError(try place(three)) { XCTAssertTrue("\($0)".contains("3 nodes requested, the partition has 2"), "\($0)") }
        three.nodes = 2
        three.cpusPerTask = 8
        XCTAssertThrowsError(try place(three)) { XCTAssertTrue("\($0)".contains("8 CPUs per node requested, its nodes have at most 4"), "\($0)") }
    }

    func testDownNodesAndGroupsExclude() throws {
        var inv = cluster
        inv.nodes[1].isAvailable = false
        inv.partitions[2].allowGroups = ["physics"]
        let now = Date()
        XCTAssertThrowsError(try Planner().place(inv, request: request(gpus: 1), now: now) { _ in Estimate(start: now, nodes: []) }) { error in
            XCTAssertTrue("\(error)".contains("gpu-a100 (a100): all 1 nodes are down, drained or not responding"), "\(error)")
            XCTAssertTrue("\(error)".contains("gpu-v100: only groups physics may use it (AllowGroups)"), "\(error)")
        }
    }

    func testAccountsAreCheckedWhenGiven() throws {
        var inv = cluster
        inv.partitions[1].allowAccounts = ["physics"]
        inv.partitions[2].denyAccounts = ["chemistry"]
        let now = Date()
        var r = request(gpus: 1)
        r.account = "chemistry"
        XCTAssertThrowsError(try Planner().place(inv, request: r, now: now) { _ in Estimate(start: now, nodes: []) }) { error in
            XCTAssertTrue("\(error)".contains("gpu-a100: account chemistry may not use it (AllowAccounts=physics)"), "\(error)")
            XCTAssertTrue("\(error)".contains("gpu-v100: account chemistry may not use it (DenyAccounts)"), "\(error)")
        }
        r.account = "physics"
        XCTAssertEqual(try Planner().place(inv, request: r, now: now) { _ in Estimate(start: now, nodes: []) }.chosen?.partition, "gpu-v100")
        r.account = nil
        XCTAssertNoThrow(try Planner().place(inv, request: r, now: now) { _ in Estimate(start: now, nodes: []) })
    }

    func testImageLabelsAreMatchedAgainstNodeFeatures() throws {
        let cuda = try ImageRequirements(labels: ["org.vessel.cuda": "12.0"])
        XCTAssertThrowsError(try place(request(gpus: 1), requirements: cuda)) { error in
            XCTAssertTrue("\(error)".contains("the image needs CUDA 12.0 or newer"), "\(error)")
        }
        var inv = cluster
        inv.nodes[1].features.append("cuda12.2")
        let now = Date()
        let p = try Planner().place(inv, request: request(gpus: 1), requirements: cuda, now: now) { _ in Estimate(start: now, nodes: []) }
        XCTAssertEqual(p.chosen?.partition, "gpu-a100")
        let types = try ImageRequirements(labels: ["org.vessel.gpu.types": "a100"])
        XCTAssertEqual(try place(request(gpus: 1), requirements: types).chosen?.partition, "gpu-a100")
        XCTAssertThrowsError(try ImageRequirements(labels: ["org.vessel.cuda": "twelve"]))
    }

    func testSlurmRefusalsExclude() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "Requested node configuration is not available" } }
        let now = Date()
        let p = try Planner().place(cluster, request: request(gpus: 1), now: now) { c in
            if c.partition == "gpu-a100" { throw Refused() }
            return Estimate(start: now, nodes: ["v100-2"])
        }
        XCTAssertEqual(p.chosen?.partition, "gpu-v100")
        XCTAssertEqual(p.chosen?.nodes, ["v100-2"])
        XCTAssertEqual(p.verdicts.first { $0.partition == "gpu-a100" }?.reason, "Slurm: Requested node configuration is not available")
    }

    func testUnknownPartitionIsAnError() {
        var r = request(gpus: 0)
        r.partitions = ["gpu-h100"]
        XCTAssertThrowsError(try place(r)) { XCTAssertEqual("\($0)", "no partition gpu-h100 (partitions: cpu, gpu-a100, gpu-v100)") }
    }

    /// 2,000 nodes in 30 partitions: the decision stays a single pass over them (the benchmark,
    /// scripts/bench place, measures it).
    func testALargeInventory() throws {
        var nodes: [Node] = []
        var parts: [Partition] = []
        for p in 0..<30 {
            var names: [String] = []
            for n in 0..<67 where nodes.count < 2000 {
                let type = ["a100", "v100", "h100"][p % 3]
                let name = "n\(p)-\(n)"
                names.append(name)
                nodes.append(Node(name: name, cpus: 64, memoryMB: 512_000, features: ["gpu", type],
                                  gpus: [GPUCount(type: type, count: 4 + 4 * (p % 2))]))
            }
            parts.append(Partition(name: "p\(p)", nodeNames: names))
        }
        let now = Date()
        var r = request(gpus: 4, types: ["h100"])
        r.nodes = 2
        let placement = try Planner().place(Inventory(partitions: parts, nodes: nodes), request: r, now: now) { c in
            Estimate(start: now.addingTimeInterval(Double(c.partition.dropFirst().hashValue % 7 == 0 ? 0 : 600)), nodes: [])
        }
        XCTAssertEqual(placement.verdicts.count, 30)
        XCTAssertEqual(placement.verdicts.filter { $0.status != .excluded }.count, 10)
    }
}

final class SlurmValueTests: XCTestCase {
    func testGRESStrings() {
        XCTAssertEqual(GPUCount.parse("gpu:a100:4"), [GPUCount(type: "a100", count: 4)])
        XCTAssertEqual(GPUCount.parse("gpu:a100:2(IDX:0,2),gpu:v100:1(S:0)"), [GPUCount(type: "a100", count: 2), GPUCount(type: "v100", count: 1)])
        XCTAssertEqual(GPUCount.parse("gpu:0"), [GPUCount(type: nil, count: 0)])
        XCTAssertEqual(GPUCount.parse("mps:100,gpu:2"), [GPUCount(type: nil, count: 2)])
        XCTAssertEqual(GPUCount.parse(nil), [])
    }

    func testTimesAndSizes() {
        XCTAssertEqual(SlurmValues.minutes("90"), 90)
        XCTAssertEqual(SlurmValues.minutes("2:00:00"), 120)
        XCTAssertEqual(SlurmValues.minutes("1:30"), 2)
        XCTAssertEqual(SlurmValues.minutes("1-12"), 36 * 60)
        XCTAssertEqual(SlurmValues.minutes("1-00:30:00"), 1470)
        XCTAssertNil(SlurmValues.minutes("soon"))
        XCTAssertEqual(SlurmValues.megabytes("16G"), 16384)
        XCTAssertEqual(SlurmValues.megabytes("4000"), 4000)
        XCTAssertNil(SlurmValues.megabytes("lots"))
        XCTAssertEqual(SlurmValues.duration(minutes: 1470), "1-00:30:00")
    }
}
