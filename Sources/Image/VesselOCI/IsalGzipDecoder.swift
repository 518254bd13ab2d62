import CIsal
import Foundation

/// A gzip layer's decompressed stream through ISA-L's inflate (see vessel_isal.h), read from
/// `BlobInput` a chunk at a time. Every member of a multi-member stream is decoded and its CRC
/// and length checked; what follows the last member that is not another one (zero padding some
/// tools leave) ends the stream, as libarchive's gzip filter ends it.
final class IsalGzipDecoder {
    private let input: BlobInput
    private let label: String
    private let state: UnsafeMutablePointer<inflate_state>
    private let output: UnsafeMutableRawPointer
    private let capacity = 1 << 20
    private var next: UnsafeRawPointer?
    private var left = 0
    private var ended = false
    private(set) var error: ImageError?

    /// nil when libisal cannot be loaded: the caller decodes with libarchive instead.
    init?(input: BlobInput, label: String) {
        guard vessel_isal_load() == nil else { return nil }
        self.input = input
        self.label = label
        state = .allocate(capacity: 1)
        output = .allocate(byteCount: capacity, alignment: 64)
        vessel_isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(vessel_isal_gzip)
    }

    deinit {
        state.deallocate()
        output.deallocate()
    }

    /// The next decompressed bytes in `out`: their count, 0 at the end, -1 on error (`error`).
    func read(into out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        while !ended {
            if left == 0 {
                let n = input.read(into: &next)
                if n < 0 { return fail(input.error ?? .corruptLayer(label, reason: "unreadable")) }
                if n == 0 {
                    guard state.pointee.block_state.rawValue == UInt32(vessel_isal_block_finish) else {
                        return fail(.corruptLayer(label, reason: "truncated gzip data"))
                    }
                    ended = true
                    break
                }
                left = n
            }
            if state.pointee.block_state.rawValue == UInt32(vessel_isal_block_finish) {
                // Another member follows only where gzip's magic does.
                guard next!.load(as: UInt8.self) == 0x1f else { ended = true; break }
                vessel_isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(vessel_isal_gzip)
            }
            state.pointee.next_in = UnsafeMutablePointer(mutating: next!.assumingMemoryBound(to: UInt8.self))
            state.pointee.avail_in = UInt32(left)
            state.pointee.next_out = output.assumingMemoryBound(to: UInt8.self)
            state.pointee.avail_out = UInt32(capacity)
            let rc = vessel_isal_inflate(state)
            let consumed = left - Int(state.pointee.avail_in)
            next = next! + consumed
            left -= consumed
            if rc < 0 { return fail(.corruptLayer(label, reason: Self.describe(rc))) }
            let produced = capacity - Int(state.pointee.avail_out)
            if produced > 0 {
                out.pointee = UnsafeRawPointer(output)
                return produced
            }
        }
        return 0
    }

    private func fail(_ e: ImageError) -> Int {
        error = e
        return -1
    }

    static func describe(_ rc: Int32) -> String {
        switch rc {
        case Int32(vessel_isal_incorrect_checksum): return "gzip CRC mismatch (the data is corrupt)"
        case Int32(vessel_isal_invalid_wrapper): return "not gzip data (bad header)"
        case Int32(vessel_isal_unsupported_method): return "gzip data not compressed with deflate"
        default: return "invalid deflate data"
        }
    }
}
