import Foundation

/// A job as slurmctld reports it, reduced to what `vessel jobs`, `vessel results` and the
/// result collector use.
public struct JobInfo: Codable, Sendable {
    public var id: UInt32
    /// The array's job id and this task's index, for array tasks.
    public var arrayJobID: UInt32?
    public var arrayTaskID: UInt32?
    public var name: String
    public var userID: UInt32
    public var state: String
    /// Why a pending job waits (Resources, Priority, ...); nil when it does not.
    public var reason: String?
    public var partition: String
    public var nodes: String?
    public var nodeCount: Int
    /// `gres:gpu:a100:1` as requested, per node.
    public var gresPerNode: String?
    /// `gpu:a100:1(IDX:0)`, one per node, while it runs.
    public var gresDetail: [String]
    public var submitTime: Date?
    public var startTime: Date?
    public var endTime: Date?
    /// The job's exit status as wait() reports it; see exitStatus and signal.
    public var rawExitCode: UInt32
    public var command: String?
    public var comment: String?
    public var workDir: String?
    public var stdout: String?
    public var stderr: String?

    /// `123` or, for array tasks, `120_3`: the name results are filed under.
    public var displayID: String {
        if let a = arrayJobID, let t = arrayTaskID { return "\(a)_\(t)" }
        return "\(id)"
    }

    public var isFinished: Bool {
        !["PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING", "REQUEUED", "RESIZING"].contains(state)
    }

    public var exitStatus: Int { Int((rawExitCode >> 8) & 0xff) }
    public var signal: Int { Int(rawExitCode & 0x7f) }
}
