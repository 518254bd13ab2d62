import CSlurm
import Foundation
import VesselPlacement

/// Vessel's one way into Slurm: libslurm's API (never sinfo or sbatch output). One instance per
/// process; libslurm reads slurm.conf ($SLURM_CONF or /etc/slurm/slurm.conf) once.
public final class SlurmClient {
    nonisolated(unsafe) private static var initialized = false

    public init() throws {
        let conf = ProcessInfo.processInfo.environment["SLURM_CONF"] ?? "/etc/slurm/slurm.conf"
        // libslurm exits the process when it finds no configuration; say it first, plainly.
        guard FileManager.default.fileExists(atPath: conf) || FileManager.default.fileExists(atPath: "/run/slurm/conf/slurm.conf") else {
            throw SlurmError.notConfigured
        }
        if let why = vessel_slurm_load() { throw SlurmError.notInstalled(String(cString: why)) }
        if !Self.initialized {
            vessel_slurm_init(nil)
            Self.initialized = true
        }
    }

    private func failure(_ what: String) -> SlurmError {
        let code = vessel_slurm_get_errno()
        let message = String(cString: vessel_slurm_strerror(code))
        // 1000-1999: communication errors (controller down, unreachable, timed out).
        if (1000..<2000).contains(code) { return .unreachable(message) }
        return .call(what, message)
    }

    // MARK: inventory

    /// Partitions and nodes, live.
    public func inventory() throws -> Inventory {
        var parts: UnsafeMutablePointer<partition_info_msg_t>?
        guard vessel_slurm_load_partitions(0, &parts, UInt16(SHOW_ALL)) == 0, let parts else { throw failure("loading partitions") }
        defer { vessel_slurm_free_partition_info_msg(parts) }
        var nodes: UnsafeMutablePointer<node_info_msg_t>?
        guard vessel_slurm_load_node(0, &nodes, UInt16(SHOW_ALL | SHOW_DETAIL)) == 0, let nodes else { throw failure("loading nodes") }
        defer { vessel_slurm_free_node_info_msg(nodes) }
        vessel_slurm_populate_node_partitions(nodes, parts)

        var members: [String: [String]] = [:]
        var nodeList: [Node] = []
        for i in 0..<Int(nodes.pointee.record_count) {
            let n = nodes.pointee.node_array[i]
            guard let name = text(n.name) else { continue }
            for p in (text(n.partitions) ?? "").split(separator: ",") { members[String(p), default: []].append(name) }
            let state = n.node_state
            let base = state & UInt32(NODE_STATE_BASE)
            let available = base != UInt32(NODE_STATE_DOWN.rawValue) && base != UInt32(NODE_STATE_FUTURE.rawValue)
                && base != UInt32(NODE_STATE_UNKNOWN.rawValue) && state & vessel_node_state_unavailable == 0
            nodeList.append(Node(
                name: name, state: text(vessel_slurm_node_state_string(state)) ?? "UNKNOWN", isAvailable: available,
                cpus: Int(n.cpus), memoryMB: Int(n.real_memory),
                features: (text(n.features_act) ?? text(n.features) ?? "").split(separator: ",").map(String.init),
                gpus: GPUCount.parse(text(n.gres)), gpusUsed: GPUCount.parse(text(n.gres_used))))
        }
        var partitions: [Partition] = []
        for i in 0..<Int(parts.pointee.record_count) {
            let p = parts.pointee.partition_array[i]
            guard let name = text(p.name) else { continue }
            let up = Int32(p.state_up) & Int32(PARTITION_SUBMIT | PARTITION_SCHED)
            let state = up == Int32(PARTITION_SUBMIT | PARTITION_SCHED) ? "UP" : up == Int32(PARTITION_SUBMIT) ? "DOWN" : up == Int32(PARTITION_SCHED) ? "DRAIN" : "INACTIVE"
            func list(_ s: UnsafeMutablePointer<CChar>?) -> [String]? {
                text(s).flatMap { $0 == "ALL" ? nil : $0.split(separator: ",").map(String.init) }
            }
            partitions.append(Partition(
                name: name, isUp: state == "UP", state: state, nodeNames: members[name] ?? [],
                maxTimeMinutes: p.max_time >= UInt32(NO_VAL) ? nil : Int(p.max_time),
                maxNodes: p.max_nodes >= UInt32(NO_VAL) ? nil : Int(p.max_nodes),
                allowGroups: list(p.allow_groups), allowAccounts: list(p.allow_accounts), denyAccounts: list(p.deny_accounts),
                priorityTier: Int(p.priority_tier),
                isDefault: Int32(p.flags) & Int32(PART_FLAG_DEFAULT) != 0))
        }
        return Inventory(partitions: partitions, nodes: nodeList)
    }

    // MARK: will-run and submission

    /// When the job would start in `partition`, as the scheduler plans it now.
    public func willRun(_ job: JobDescription, partition: String) throws -> Estimate {
        var job = job
        job.partition = partition
        let arena = CStringArena()
        var desc = describe(job, arena)
        var response: UnsafeMutablePointer<will_run_response_msg_t>?
        guard vessel_slurm_job_will_run2(&desc, &response) == 0, let response else { throw failure("asking when a job would start in \(partition)") }
        defer { vessel_slurm_free_will_run_response_msg(response) }
        let nodes = text(response.pointee.node_list).map(Self.expand) ?? []
        return Estimate(start: Date(timeIntervalSince1970: TimeInterval(response.pointee.start_time)), nodes: nodes)
    }

    /// Submits a batch job; returns its id.
    public func submit(_ job: JobDescription) throws -> UInt32 {
        let arena = CStringArena()
        var desc = describe(job, arena)
        var response: UnsafeMutablePointer<submit_response_msg_t>?
        guard vessel_slurm_submit_batch_job(&desc, &response) == 0, let response else { throw failure("submitting the job") }
        defer { vessel_slurm_free_submit_response_response_msg(response) }
        return response.pointee.job_id
    }

    private func describe(_ job: JobDescription, _ arena: CStringArena) -> job_desc_msg_t {
        var d = job_desc_msg_t()
        vessel_slurm_init_job_desc_msg(&d)
        d.name = arena.string(job.name)
        d.account = arena.string(job.account)
        d.qos = arena.string(job.qos)
        d.partition = arena.string(job.partition)
        d.user_id = getuid()
        d.group_id = getgid()
        d.min_nodes = UInt32(job.nodes)
        d.max_nodes = UInt32(job.nodes)
        d.ntasks_per_node = UInt16(job.tasksPerNode)
        d.num_tasks = UInt32(job.nodes * job.tasksPerNode)
        d.cpus_per_task = UInt16(job.cpusPerTask)
        if let m = job.memoryMB { d.pn_min_memory = UInt64(m) }
        if let t = job.timeMinutes { d.time_limit = UInt32(t) }
        d.tres_per_node = arena.string(job.gresPerNode)
        d.array_inx = arena.string(job.array)
        d.comment = arena.string(job.comment)
        d.work_dir = arena.string(job.workDir)
        d.std_out = arena.string(job.stdout)
        d.std_err = arena.string(job.stderr)
        if !job.script.isEmpty { d.script = arena.string(job.script) }
        // Without an environment slurmctld refuses the script ("I/O error writing script/environment").
        let env = job.environment.isEmpty ? ["VESSEL=1"] : job.environment
        d.environment = arena.array(env)
        d.env_size = UInt32(env.count)
        if !job.spankEnvironment.isEmpty {
            d.spank_job_env = arena.array(job.spankEnvironment)
            d.spank_job_env_size = UInt32(job.spankEnvironment.count)
        }
        return d
    }

    // MARK: jobs

    /// The jobs of `uid` that slurmctld still knows (pending, running, and finished ones for MinJobAge).
    public func jobs(user uid: uid_t) throws -> [JobInfo] {
        var msg: UnsafeMutablePointer<job_info_msg_t>?
        guard vessel_slurm_load_job_user(&msg, uid, UInt16(SHOW_ALL | SHOW_DETAIL)) == 0, let msg else { throw failure("listing jobs") }
        defer { vessel_slurm_free_job_info_msg(msg) }
        return (0..<Int(msg.pointee.record_count)).map { Self.info(msg.pointee.job_array[$0]) }
    }

    /// One job, or every task of an array when `id` is the array's id.
    public func job(_ id: UInt32) throws -> [JobInfo] {
        var msg: UnsafeMutablePointer<job_info_msg_t>?
        guard vessel_slurm_load_job(&msg, id, UInt16(SHOW_DETAIL)) == 0, let msg else {
            if vessel_slurm_get_errno() == ESLURM_INVALID_JOB_ID.rawValue { throw SlurmError.noSuchJob(id) }
            throw failure("reading job \(id)")
        }
        defer { vessel_slurm_free_job_info_msg(msg) }
        return (0..<Int(msg.pointee.record_count)).map { Self.info(msg.pointee.job_array[$0]) }
    }

    private static func info(_ j: slurm_job_info_t) -> JobInfo {
        func date(_ t: time_t) -> Date? { t > 0 ? Date(timeIntervalSince1970: TimeInterval(t)) : nil }
        let base = j.job_state & UInt32(JOB_STATE_BASE)
        var state = text(vessel_slurm_job_state_string(base)) ?? "UNKNOWN"
        if j.job_state & vessel_job_state_completing != 0 && base == JOB_RUNNING.rawValue { state = "COMPLETING" }
        let pending = base == JOB_PENDING.rawValue
        let detail = (0..<Int(j.gres_detail_cnt)).compactMap { text(j.gres_detail_str?[$0]) }
        return JobInfo(
            id: j.job_id,
            arrayJobID: j.array_job_id != 0 ? j.array_job_id : nil,
            arrayTaskID: j.array_job_id != 0 && j.array_task_id < UInt32(NO_VAL) ? j.array_task_id : nil,
            name: text(j.name) ?? "", userID: j.user_id, state: state,
            reason: pending ? text(vessel_slurm_job_reason_string(Int32(j.state_reason))).flatMap { $0 == "None" ? nil : $0 } : nil,
            partition: text(j.partition) ?? "", nodes: text(j.nodes), nodeCount: Int(j.num_nodes),
            gresPerNode: text(j.tres_per_node), gresDetail: detail,
            submitTime: date(j.submit_time), startTime: date(j.start_time), endTime: date(j.end_time),
            rawExitCode: j.exit_code, command: text(j.command), comment: text(j.comment),
            workDir: text(j.work_dir), stdout: text(j.std_out), stderr: text(j.std_err))
    }

    /// A Slurm host list (`v100-[1-2],a100-1`) as names.
    public static func expand(_ list: String) -> [String] {
        var names: [String] = []
        var depth = 0, item = ""
        func flush() {
            guard !item.isEmpty else { return }
            if let open = item.firstIndex(of: "["), let close = item.lastIndex(of: "]") {
                let prefix = String(item[..<open]), suffix = String(item[item.index(after: close)...])
                for range in item[item.index(after: open)..<close].split(separator: ",") {
                    let ends = range.split(separator: "-").map(String.init)
                    if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a <= b {
                        for n in a...b {
                            var s = String(n)
                            while s.count < ends[0].count { s = "0" + s }
                            names.append(prefix + s + suffix)
                        }
                    } else {
                        names.append(prefix + range + suffix)
                    }
                }
            } else {
                names.append(item)
            }
            item = ""
        }
        for c in list {
            if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
            if c == ",", depth == 0 { flush() } else { item.append(c) }
        }
        flush()
        return names
    }
}
