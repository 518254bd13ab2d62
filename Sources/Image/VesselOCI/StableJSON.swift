import Foundation

extension JSONEncoder {
    /// Sorted keys, so that the same content is always the same bytes (and scripts diff cleanly).
    /// Here, not beside the types it writes (VesselImage), which the static front links without
    /// Foundation: everything that writes an image's metadata reaches VesselOCI.
    public static var stable: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
