import Foundation
import VesselImage
import VesselSlurm
import VesselWire

/// Where a job's results are: the root `vessel submit` recorded in the job's comment.
public enum JobResults {
    /// RESULTS_ROOT when none is given: results-root in vessel.conf, else ~/vessel-results.
    public static func defaultRoot(_ config: SiteConfig = .load()) -> String {
        config.resultsRoot ?? (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/vessel-results"
    }

    public static func root(of job: JobInfo) -> String? {
        JobComment.resultsRoot(in: job.comment)
    }

    public static func path(of job: JobInfo, user: String) -> String? {
        root(of: job).map { "\($0)/\(user)/\(job.displayID)" }
    }
}
