#if canImport(Glibc)
import Glibc
#endif

/// `vessel exec -v`: what a container start does, one line a step on standard error, with the
/// milliseconds since the start (ch-run's -v, with times): what was opened and checked, how the
/// image was mounted, each mount of the root, the init.
struct StepLog {
    let enabled: Bool
    private let start: timespec

    init(enabled: Bool) {
        self.enabled = enabled
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        start = t
    }

    func callAsFunction(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let ms = Double(t.tv_sec - start.tv_sec) * 1000 + Double(t.tv_nsec - start.tv_nsec) / 1e6
        let tenths = Int((ms * 10).rounded())
        let line = "vessel: \(tenths / 10).\(tenths % 10) ms  \(what())\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// A mount plan's steps, as lines.
    static func describe(_ plan: MountPlan) -> [String] {
        plan.steps.map { step in
            switch step.kind {
            case .bind(let source, let recursive, let readOnly):
                return "bind \(source) -> \(step.target)\(readOnly ? " (read-only)" : "")\(recursive ? "" : " (not recursive)")"
            case .proc: return "proc -> \(step.target)"
            case .tmpfs(let options, let readOnly):
                return "tmpfs -> \(step.target)" + (options.isEmpty ? "" : " (\(options.joined(separator: ",")))") + (readOnly ? " (read-only)" : "")
            }
        }
    }
}
