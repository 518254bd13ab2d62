import Foundation
import VesselBasics

/// An image platform such as linux/amd64 or linux/arm64/v8.
public struct Platform: Equatable, Sendable, CustomStringConvertible, Codable {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String = "linux", architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `ARCH`, `OS/ARCH` or `OS/ARCH/VARIANT`; Go's names (amd64, arm64) and uname's
    /// (x86_64, aarch64) are both accepted.
    public init(parsing s: String) {
        let parts = s.split(separator: "/").map(String.init)
        switch parts.count {
        case 1: self.init(architecture: Platform.goArch(parts[0]))
        case 2: self.init(os: parts[0], architecture: Platform.goArch(parts[1]))
        default: self.init(os: parts[0], architecture: Platform.goArch(parts[1]), variant: parts[2])
        }
    }

    public static var host: Platform { Platform(architecture: PlainSystem.hostArchitecture) }

    static func goArch(_ a: String) -> String { PlainSystem.goArchitecture(a) }

    /// Whether an image of platform `other` runs here when `self` is what was asked for.
    public func accepts(_ other: Platform) -> Bool {
        guard os == other.os, architecture == other.architecture else { return false }
        guard let want = variant else { return true }
        // arm64 images usually omit their only variant, v8.
        return want == (other.variant ?? (other.architecture == "arm64" ? "v8" : nil))
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}
