import Foundation
import VesselImage

/// Reports how far a long job is: a bar on a terminal; on a pipe or batch log, one line every
/// few seconds with bytes, rate and time left; nothing when quiet.
public final class Progress {
    public enum Style { case bar, lines, quiet }

    private let total: Int64
    private let label: String
    private let style: Style
    private let interval: Double
    private var done: Int64 = 0
    private let start = Progress.now()
    private var lastReport: Double = 0
    private let lock = NSLock()

    /// - Parameter lineInterval: seconds between lines on a pipe; VESSEL_PROGRESS_INTERVAL overrides it.
    public init(total: Int64, label: String, style: Style,
                lineInterval: Double = ProcessInfo.processInfo.environment["VESSEL_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 5) {
        self.total = max(total, 1)
        self.label = label
        self.style = style
        self.interval = style == .bar ? 0.1 : lineInterval
        lastReport = start
    }

    /// A bar on a terminal, lines elsewhere; VESSEL_PROGRESS=lines asks for lines anyway (the
    /// Slurm plugin does, so that conversions at submission read well in batch logs).
    public static func defaultStyle(quiet: Bool) -> Style {
        if quiet { return .quiet }
        if ProcessInfo.processInfo.environment["VESSEL_PROGRESS"] == "lines" { return .lines }
        return isatty(STDERR_FILENO) == 1 ? .bar : .lines
    }

    public func advance(_ n: Int) {
        guard style != .quiet else { return }
        lock.lock(); defer { lock.unlock() }
        done += Int64(n)
        let t = Progress.now()
        if t - lastReport >= interval {
            lastReport = t
            report(t)
        }
    }

    /// Clears the bar and prints `message` (nothing more when it is empty).
    public func finish(_ message: String) {
        guard style != .quiet else { return }
        if style == .bar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }

    public var elapsed: Double { Progress.now() - start }

    private func report(_ t: Double) {
        let secs = max(t - start, 0.001)
        let rate = Double(done) / secs
        let left = rate > 0 ? Double(total - done) / rate : 0
        let pct = min(100, Int(Double(done) * 100 / Double(total)))
        let stats = "\(Progress.bytes(done)) of \(Progress.bytes(total)), \(Progress.bytes(Int64(rate)))/s, \(Progress.clock(left)) left"
        switch style {
        case .bar:
            let width = 24
            let filled = width * pct / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(pct)% \(stats)".utf8))
        case .lines:
            FileHandle.standardError.write(Data("\(label): \(pct)% \(stats)\n".utf8))
        case .quiet:
            break
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f", v) + " " + units[i]
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
