/// Slurm's spellings of durations and sizes, as sbatch takes them, so that `vessel submit`
/// accepts what users already write.
public enum SlurmValues {
    /// `--time`: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. Returns minutes (rounded up).
    public static func minutes(_ text: String) -> Int? {
        var days = 0
        var rest = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Int(text[..<dash]), d >= 0 else { return nil }
            days = d
            rest = text[text.index(after: dash)...]
        }
        let f = rest.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !f.isEmpty, f.count <= 3, f.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        let n = f.map { $0! }
        var seconds: Int
        if text.contains("-") {
            // D-HH, D-HH:MM, D-HH:MM:SS
            seconds = n[0] * 3600 + (n.count > 1 ? n[1] * 60 : 0) + (n.count > 2 ? n[2] : 0)
        } else {
            switch n.count {
            case 1: seconds = n[0] * 60
            case 2: seconds = n[0] * 60 + n[1]
            default: seconds = n[0] * 3600 + n[1] * 60 + n[2]
            }
        }
        seconds += days * 86400
        return (seconds + 59) / 60
    }

    /// `--mem`: a number with an optional K, M, G or T suffix (M when none). Returns MiB.
    public static func megabytes(_ text: String) -> Int? {
        guard let last = text.last else { return nil }
        let units: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
        if let unit = units[Character(last.uppercased())] {
            guard let n = Double(text.dropLast()), n >= 0 else { return nil }
            return Int((n * unit).rounded(.up))
        }
        guard let n = Int(text), n >= 0 else { return nil }
        return n
    }

    /// Minutes as Slurm prints a time limit: D-HH:MM:SS.
    public static func duration(minutes: Int) -> String {
        let d = minutes / 1440, h = (minutes % 1440) / 60, m = minutes % 60
        return d > 0 ? "\(d)-\(pad(h)):\(pad(m)):00" : "\(pad(h)):\(pad(m)):00"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
