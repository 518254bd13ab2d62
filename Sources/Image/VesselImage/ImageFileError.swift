/// An image file whose Vessel metadata cannot be read: one line naming the file and the cause.
public struct ImageFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(_ path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
