import Foundation

/// How many conversions run at once in one process (the image gateway's `--conversions`): a
/// conversion takes a core or two and a few hundred MB; the requests beyond wait for a slot.
public final class ConversionSlots: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: Int

    public init(_ count: Int) { free = max(1, count) }

    /// `body` within a slot, when there are slots to keep to; at once otherwise.
    public static func within<T>(_ slots: ConversionSlots?, _ body: () throws -> T) rethrows -> T {
        guard let slots else { return try body() }
        slots.condition.lock()
        while slots.free == 0 { slots.condition.wait() }
        slots.free -= 1
        slots.condition.unlock()
        defer {
            slots.condition.lock()
            slots.free += 1
            slots.condition.signal()
            slots.condition.unlock()
        }
        return try body()
    }
}
