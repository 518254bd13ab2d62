import Foundation

/// Runs a ChunkSource on a thread of its own, a few chunks ahead of its reader: a layer's
/// decompression and hashing (DecodedInput over BlobInput) overlap the tar parsing, the merge
/// and the writer that follow, instead of taking turns with them on one core. At most `slots`
/// chunks of `chunkSize` bytes are held; the reader's chunk stays valid until its next read,
/// as libarchive's read callback requires.
final class PrefetchedInput: ChunkSource {
    private let source: ChunkSource
    private let slots: [UnsafeMutableRawPointer]
    private let chunkSize: Int
    private let condition = NSCondition()
    /// Filled chunks in order: (slot, count); a count of 0 is the end, -1 the source's error.
    private var filled: [(Int, Int)] = []
    private var free: [Int]
    /// The slot the reader holds, returned at its next read.
    private var held: Int?
    private var cancelled = false
    private var running = true
    private var thread: Thread?

    init(_ source: ChunkSource, slots count: Int = 4, chunkSize: Int = 1 << 20) {
        self.source = source
        self.chunkSize = chunkSize
        slots = (0..<count).map { _ in UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 64) }
        free = Array(0..<count)
        super.init()
        let t = Thread { [unowned self] in self.produce() }
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    deinit {
        stop()
        slots.forEach { $0.deallocate() }
    }

    /// The producer: copies each chunk of the source into a free slot.
    private func produce() {
        var pending: UnsafeRawPointer?
        var pendingCount = 0, pendingOffset = 0
        while true {
            condition.lock()
            while free.isEmpty && !cancelled { condition.wait() }
            if cancelled { break }
            let slot = free.removeFirst()
            condition.unlock()
            // Fill the slot from the source's chunks (which may be smaller or larger than it).
            var count = 0
            var status = 1
            while count < chunkSize {
                if pendingOffset == pendingCount {
                    let n = source.read(into: &pending)
                    if n <= 0 { status = n; break }
                    pendingCount = n
                    pendingOffset = 0
                }
                let take = min(chunkSize - count, pendingCount - pendingOffset)
                slots[slot].advanced(by: count).copyMemory(from: pending!.advanced(by: pendingOffset), byteCount: take)
                count += take
                pendingOffset += take
            }
            condition.lock()
            if count > 0 { filled.append((slot, count)) } else { free.append(slot) }
            if status <= 0 {
                filled.append((-1, status))
                condition.broadcast()
                break
            }
            condition.broadcast()
            condition.unlock()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    override func read(into out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        condition.lock()
        defer { condition.unlock() }
        if let h = held {
            free.append(h)
            held = nil
            condition.broadcast()
        }
        while filled.isEmpty { condition.wait() }
        let (slot, count) = filled[0]
        if slot < 0 { return count }  // the end (0) or the source's error (-1), for every later read too
        filled.removeFirst()
        held = slot
        out.pointee = UnsafeRawPointer(slots[slot])
        return count
    }

    /// Reads to the end (what the tar reader left), so that the source has seen every byte.
    func drain() {
        var p: UnsafeRawPointer?
        while read(into: &p) > 0 {}
    }

    /// Stops the producer and waits for it: the source may not be used while it runs.
    func stop() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}
