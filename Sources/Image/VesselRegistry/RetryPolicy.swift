import Foundation

/// How often and how patiently to retry what may recover: dropped connections, 429, 5xx.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var initialDelay: Double
    public var maximumDelay: Double
    /// A Retry-After longer than this is not waited for: the error is reported instead.
    public var longestRetryAfter: Double

    public init(attempts: Int = 5, initialDelay: Double = 0.5, maximumDelay: Double = 20, longestRetryAfter: Double = 120) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.longestRetryAfter = longestRetryAfter
    }

    /// Exponential backoff with jitter, so that many nodes retrying at once spread out.
    func delay(afterAttempt n: Int) -> Double {
        let base = min(initialDelay * pow(2, Double(n)), maximumDelay)
        return base * Double.random(in: 0.75...1.25)
    }

    /// Retry-After as seconds, or as an HTTP date.
    static func retryAfter(_ header: String?) -> Double? {
        guard let h = header?.trimmingCharacters(in: .whitespaces), !h.isEmpty else { return nil }
        if let s = Double(h) { return max(s, 0) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: h).map { max($0.timeIntervalSinceNow, 0) }
    }
}

/// Thrown inside a retried operation: what to report if no attempt is left, and how long the
/// server asked to wait.
struct Retryable: Error {
    let failure: Error
    let after: Double?
}
