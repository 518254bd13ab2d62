import Foundation
import VesselPlacement

/// The `vessel submit` table: one row per partition (and GPU type) considered.
enum PlacementTable {
    static func render(_ p: Placement) -> String {
        var rows = [["PARTITION", "GPU", "VERDICT", "START", "NODES", "IDLE GPUS", "REASON"]]
        for v in p.verdicts {
            rows.append([
                v.partition, v.gpuType ?? "-", v.status.rawValue,
                v.estimatedStart.map { start(from: p.decidedAt, to: $0) } ?? "-",
                v.nodes.isEmpty ? "-" : v.nodes.joined(separator: ","),
                v.spareGPUs.map(String.init) ?? "-",
                v.reason ?? "",
            ])
        }
        return table(rows)
    }

    static func start(from now: Date, to date: Date) -> String {
        let s = Int(date.timeIntervalSince(now))
        if s < 60 { return "now" }
        return "\(stamp(date, seconds: false)) (in \(duration(s)))"
    }

    /// Local time, as Slurm's commands print it.
    static func stamp(_ date: Date, seconds: Bool = true) -> String {
        let f = DateFormatter()
        f.dateFormat = seconds ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm"
        return f.string(from: date)
    }

    static func duration(_ seconds: Int) -> String {
        let d = seconds / 86400, h = (seconds % 86400) / 3600, m = (seconds % 3600) / 60
        if d > 0 { return "\(d)d\(h)h" }
        if h > 0 { return "\(h)h\(m)m" }
        return "\(m)m"
    }

    /// Left-aligned columns, two spaces apart; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for r in rows { for (i, c) in r.enumerated() where i < width - 1 { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i < width - 1 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : c }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
