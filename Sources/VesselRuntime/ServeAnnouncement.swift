import Foundation

/// What a served container tells the Slurm plugin over a pipe: NUL-separated records
/// `PID\t<pid>`, `CWD\t<dir>`, `SET\tNAME=VALUE`, `UNSET\tNAME`, `ENTRY\t<arg>` (the image's
/// Entrypoint, one record per word), or one `ERROR\t<message>`.
/// The plugin joins the process's namespaces and applies the environment to each task.
public struct ServeAnnouncement: Equatable {
    public var pid: Int32
    public var workdir: String
    public var set: [String: String]
    public var unset: [String]
    public var entrypoint: [String]

    public init(pid: Int32, workdir: String, set: [String: String], unset: [String], entrypoint: [String]) {
        self.pid = pid
        self.workdir = workdir
        self.set = set
        self.unset = unset
        self.entrypoint = entrypoint
    }

    var records: [String] {
        ["PID\t\(pid)", "CWD\t\(workdir)"] + set.keys.sorted().map { "SET\t\($0)=\(set[$0]!)" } + unset.sorted().map { "UNSET\t\($0)" }
            + entrypoint.map { "ENTRY\t\($0)" }
    }

    func write(to fd: Int32) { Self.send(records, to: fd) }

    public static func failure(_ message: String, to fd: Int32) { send(["ERROR\t" + message], to: fd) }

    private static func send(_ records: [String], to fd: Int32) {
        var bytes: [UInt8] = []
        for r in records { bytes += Array(r.utf8) + [0] }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }
}
