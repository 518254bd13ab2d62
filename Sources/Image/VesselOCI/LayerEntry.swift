import VesselTree

/// One tar entry of a layer, as libarchive reports it, before any merge decision.
public struct LayerEntry {
    public enum Kind: Equatable {
        case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
    }
    public var path: [UInt8]
    public var kind: Kind
    /// The symlink's target, or the path a hard link points to.
    public var linkTarget: [UInt8]
    public var metadata: Metadata
    public var size: Int64
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
}
