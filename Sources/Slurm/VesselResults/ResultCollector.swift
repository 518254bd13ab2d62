import Foundation
import VesselBasics
import VesselOCI

/// Brings one node's results home at the end of a job: the node-local scratch directory (the
/// container's /results) is copied under the results root to a temporary name, every copy is read
/// back and checked against the original's SHA-256, MANIFEST and provenance.json are written, and
/// the directory is renamed into place. A failed copy is retried; when it keeps failing the
/// node-local directory is kept (never deleted unseen) and the failure is reported.
public struct ResultCollector {
    public var scratch: String
    /// RESULTS_ROOT; results go to RESULTS_ROOT/USER/JOBID[_TASK][/NODE].
    public var root: String
    /// Multi-node jobs get one subdirectory per node.
    public var perNode: Bool
    public var attempts = 3
    public var backoff: TimeInterval = 1
    /// When the epilog stops waiting (plugstack.conf epilog-timeout=, less a margin): past it
    /// nothing more is copied, and the failure is said while there is time to say it.
    public var deadline: Date?

    private let started = Date()

    public init(scratch: String, root: String, perNode: Bool) {
        self.scratch = scratch
        self.root = root
        self.perNode = perNode
    }

    public func destination(for p: ResultProvenance) -> String { "\(root)/\(p.user)/" + below(p) }

    /// The destination below RESULTS_ROOT/USER.
    private func below(_ p: ResultProvenance) -> String { perNode ? "\(p.jobID)/\(p.node)" : p.jobID }

    /// Copies, verifies and renames into place; returns the provenance as written (its
    /// `collection` says how it went). Everything below RESULTS_ROOT/USER is reached through
    /// that directory's descriptor, once it is known to be this user's (UserResultsDirectory).
    public func collect(_ template: ResultProvenance) -> ResultProvenance {
        var p = template
        let home: UserResultsDirectory
        do { home = try UserResultsDirectory(root: root, user: p.user) } catch {
            return failed(p, error: "\(error)", final: nil)
        }
        let final = home.path + "/" + below(p)
        var lastError = ""
        for attempt in 1...max(1, attempts) {
            do {
                try copy(to: final, provenance: &p, attempt: attempt)
                try? FileManager.default.removeItem(atPath: scratch)
                return p
            } catch {
                lastError = home.named("\(error)")
                if case ResultError.exists = error { break }
                if case ResultError.outOfTime = error { break }
                if attempt < attempts { Thread.sleep(forTimeInterval: backoff * Double(attempt)) }
            }
        }
        return withExtendedLifetime(home) { failed(p, error: lastError, final: final) }
    }

    /// The node keeps its files with the record beside them; the record goes home too when
    /// `final` (a path through this user's directory) takes a small file.
    private func failed(_ template: ResultProvenance, error: String, final: String?) -> ResultProvenance {
        var p = template
        p.collection = .init(status: .failed, attempts: attempts, error: error, keptAt: "\(p.node):\(scratch)",
                             files: 0, bytes: 0, collectedAt: Date())
        // A new file renamed over the name: whatever the job left under it (a FIFO, which an
        // open would wait on forever, or a link) is replaced, never opened.
        if FileManager.default.fileExists(atPath: scratch), let data = try? p.encoded() {
            try? SmallFile.write(Array(data), to: scratch + "/" + ResultProvenance.fileName + ".vessel")
        }
        if let final, !FileManager.default.fileExists(atPath: final), let data = try? p.encoded() {
            let tmp = temporaryName(final) + "-record"
            if (try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)) != nil,
               (try? data.write(to: URL(fileURLWithPath: tmp + "/" + ResultProvenance.fileName))) != nil {
                if rename(tmp, final) != 0 { try? FileManager.default.removeItem(atPath: tmp) }
            } else {
                try? FileManager.default.removeItem(atPath: tmp)
            }
        }
        return p
    }

    private func temporaryName(_ final: String) -> String {
        let url = URL(fileURLWithPath: final)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".partial-\(getpid())"
    }

    private func copy(to final: String, provenance p: inout ResultProvenance, attempt: Int) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: final) { throw ResultError.exists(final) }
        let parent = URL(fileURLWithPath: final).deletingLastPathComponent().path
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw ResultError.io(parent, Self.reason(error))
        }
        let tmp = temporaryName(final)
        try? fm.removeItem(atPath: tmp)
        guard mkdir(tmp, 0o755) == 0 else { throw ResultError.io(tmp, String(cString: strerror(errno))) }
        do {
            var entries: [ResultManifest.Entry] = []
            var skipped: [ResultManifest.Skipped] = []
            if fm.fileExists(atPath: scratch) { try copyTree(scratch, tmp, "", &entries, &skipped) }
            let manifest = ResultManifest(entries: entries, skipped: skipped)
            p.collection = .init(status: .collected, attempts: attempt, error: nil, keptAt: nil,
                                 files: entries.count, bytes: manifest.totalBytes, collectedAt: Date())
            try writeDurably(Data(manifest.text.utf8), tmp + "/" + ResultManifest.fileName)
            try writeDurably(try p.encoded(), tmp + "/" + ResultProvenance.fileName)
            if fm.fileExists(atPath: final) { throw ResultError.exists(final) }
            guard rename(tmp, final) == 0 else { throw ResultError.io(final, String(cString: strerror(errno))) }
            syncDirectory(parent)
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
    }

    private func copyTree(_ src: String, _ dst: String, _ rel: String, _ entries: inout [ResultManifest.Entry],
                          _ skipped: inout [ResultManifest.Skipped]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: src).sorted() } catch { throw ResultError.io(src, Self.reason(error)) }
        for name in names {
            // The job's own MANIFEST and provenance.json would clash with the collector's.
            if rel.isEmpty, [ResultManifest.fileName, ResultProvenance.fileName].contains(name) {
                throw ResultError.io(src + "/" + name, "a result may not be named \(name) at the top (Vessel writes it)")
            }
            try checkTime()
            let s = src + "/" + name, d = dst + "/" + name, r = rel.isEmpty ? name : rel + "/" + name
            var st = stat()
            guard lstat(s, &st) == 0 else { throw ResultError.io(s, String(cString: strerror(errno))) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                guard mkdir(d, 0o755) == 0 else { throw ResultError.io(d, String(cString: strerror(errno))) }
                try copyTree(s, d, r, &entries, &skipped)
                chmod(d, st.st_mode & 0o7777)
            case S_IFREG:
                let (sum, size) = try copyFile(s, d, mode: st.st_mode & 0o7777)
                let (check, checkSize) = try ResultManifest.hash(d)
                guard check == sum, checkSize == size else { throw ResultError.verification("\(r) reads back differently") }
                entries.append(.init(path: r, size: size, sha256: sum))
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: s)
                guard symlink(target, d) == 0 else { throw ResultError.io(d, String(cString: strerror(errno))) }
                entries.append(.init(path: r, size: 0, sha256: ResultManifest.hashText(target)))
            case S_IFIFO: skipped.append(.init(path: r, kind: "a FIFO"))
            case S_IFSOCK: skipped.append(.init(path: r, kind: "a socket"))
            default: skipped.append(.init(path: r, kind: "a device"))
            }
        }
    }

    private func copyFile(_ src: String, _ dst: String, mode: mode_t) throws -> (String, Int64) {
        // Checked on the descriptor: a file the job swapped for a FIFO or a link since it was
        // listed is not opened as one (an open of a FIFO waits for a writer that never comes).
        let input = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard input >= 0 else { throw ResultError.io(src, String(cString: strerror(errno))) }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { throw ResultError.io(src, "no longer a regular file") }
        let output = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode | 0o600)
        guard output >= 0 else { throw ResultError.io(dst, String(cString: strerror(errno))) }
        var closed = false
        defer { if !closed { close(output) } }
        var sha = StreamingSHA256()
        var size: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            try checkTime()
            let n = Syscall.retrying { buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) } }
            if n < 0 { throw ResultError.io(src, String(cString: strerror(errno))) }
            if n == 0 { break }
            let written = buffer.withUnsafeBytes { raw -> Bool in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                sha.update(chunk)
                return Syscall.writeAll(output, chunk)
            }
            if !written { throw ResultError.io(dst, String(cString: strerror(errno))) }
            size += Int64(n)
        }
        guard fsync(output) == 0 else { throw ResultError.io(dst, String(cString: strerror(errno))) }
        closed = true
        guard close(output) == 0 else { throw ResultError.io(dst, String(cString: strerror(errno))) }
        chmod(dst, mode)
        return (sha.finish().hex, size)
    }

    private func checkTime() throws {
        guard let deadline, Date() >= deadline else { return }
        throw ResultError.outOfTime(deadline.timeIntervalSince(started))
    }

    private func writeDurably(_ data: Data, _ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResultError.io(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        guard data.withUnsafeBytes({ Syscall.writeAll(fd, $0) }) else { throw ResultError.io(path, String(cString: strerror(errno))) }
        guard fsync(fd) == 0 else { throw ResultError.io(path, String(cString: strerror(errno))) }
    }

    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    static func reason(_ error: Error) -> String {
        if let e = error as NSError?, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code)))
        }
        return error.localizedDescription
    }
}
