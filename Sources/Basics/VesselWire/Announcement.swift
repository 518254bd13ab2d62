import VesselBasics

/// What a served container (`vessel spank-helper`) tells the Slurm plugin over a pipe, and how
/// the plugin reads it: NUL-separated records `PID\t<pid>`, `CWD\t<dir>`, `IMAGEWD\t<dir>` (the
/// image's WorkingDir, when it sets one), `FAKECHOWN\t1` (root inside with no other id
/// mapped: each task fakes the chown family, see vessel_fake_chown), `SET\tNAME=VALUE`,
/// `UNSET\tNAME`, `ENTRY\t<arg>` (the image's Entrypoint, one record per word), or one
/// `ERROR\t<message>`. The plugin joins the process's namespaces and applies the environment
/// to each task.
public struct Announcement: Equatable, Sendable {
    public var pid: Int32?
    public var workdir = "/"
    public var imageWorkdir: String?
    public var fakeChown = false
    /// In the order sent (sorted by name).
    public var set: [(String, String)] = []
    public var unset: [String] = []
    public var entrypoint: [String] = []
    public var error: String?

    public init(pid: Int32?, workdir: String, imageWorkdir: String? = nil, fakeChown: Bool = false, set: [String: String],
                unset: [String], entrypoint: [String]) {
        self.pid = pid
        self.workdir = workdir
        self.imageWorkdir = imageWorkdir
        self.fakeChown = fakeChown
        self.set = set.keys.sorted().map { ($0, set[$0]!) }
        self.unset = unset.sorted()
        self.entrypoint = entrypoint
    }

    public init(failure: String) { error = failure }

    /// The most the plugin reads of one (root reads it in slurmstepd, from a pipe or a file the
    /// user can write to): the environment's changes fit many times over.
    public static let maximumBytes = 4 << 20

    /// Reads what was sent; unknown records are skipped (a newer helper may say more).
    public init(decoding text: String) {
        for record in text.split(separator: "\0") {
            guard let tab = record.firstIndex(of: "\t") else { continue }
            let kind = record[..<tab], value = String(record[record.index(after: tab)...])
            switch kind {
            case "PID": pid = Int32(value)
            case "CWD": workdir = value
            case "IMAGEWD": imageWorkdir = value
            case "FAKECHOWN": fakeChown = value == "1"
            case "SET":
                if let eq = value.firstIndex(of: "=") { set.append((String(value[..<eq]), String(value[value.index(after: eq)...]))) }
            case "UNSET": unset.append(value)
            case "ENTRY": entrypoint.append(value)
            case "ERROR": error = value
            default: break
            }
        }
    }

    public var records: [String] {
        if let error { return ["ERROR\t" + error] }
        return (pid.map { ["PID\t\($0)"] } ?? []) + ["CWD\t\(workdir)"] + (imageWorkdir.map { ["IMAGEWD\t\($0)"] } ?? [])
            + (fakeChown ? ["FAKECHOWN\t1"] : []) + set.map { "SET\t\($0)=\($1)" } + unset.map { "UNSET\t\($0)" }
            + entrypoint.map { "ENTRY\t\($0)" }
    }

    /// Where a task that joins the container starts, best first (the first it can enter):
    /// under the plugin, Pyxis's rule, the image's WorkingDir before the task's own directory;
    /// for `vessel exec`, the task's own directory first, as a container of its own would.
    public func startingDirectories(taskDirectory: String?, imageFirst: Bool) -> [String] {
        let preferred = imageFirst ? [imageWorkdir, taskDirectory] : [taskDirectory, imageWorkdir]
        return preferred.compactMap { $0 } + [workdir, "/"]
    }

    /// Writes the records to `fd` (a reader that went away ends it).
    public func write(to fd: Int32) {
        var bytes: [UInt8] = []
        for r in records { bytes += Array(r.utf8) + [0] }
        _ = Syscall.writeAll(fd, bytes)
    }

    public static func == (a: Announcement, b: Announcement) -> Bool { a.records == b.records }
}
