import Glibc
import VesselBasics

/// The host's /etc/ld.so.cache, read directly (glibc's "glibc-ld.so.cache1.1" format): running
/// `ldconfig -p` would start threads, and a process with threads cannot enter a user namespace.
public struct LdSoCache: Sendable {
    /// soname (e.g. libcuda.so.1) -> path, for libraries of this machine's architecture.
    public private(set) var libraries: [(soname: String, path: String)] = []

    public init(path: String = "/etc/ld.so.cache") {
        guard let bytes = PlainSystem.readBytes(path) else { return }
        let magic = Array("glibc-ld.so.cache1.1".utf8)
        // The new format may follow an old-format table; find its header.
        guard let start = Self.find(magic, in: bytes) else { return }
        func u32(_ at: Int) -> UInt32 {
            guard at + 4 <= bytes.count else { return 0 }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func string(_ at: Int) -> String? {
            guard at >= 0, at < bytes.count, let end = bytes[at...].firstIndex(of: 0) else { return nil }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        let count = Int(u32(start + 20))
        let entries = start + 48
        let arch = Self.archFlags
        // String offsets are from the start of the new-format header (old-format prefix allowed).
        for i in 0..<count {
            let e = entries + i * 24
            guard e + 24 <= bytes.count else { break }
            let flags = u32(e)
            guard flags & 0xff == 3 /* FLAG_ELF_LIBC6 */, arch == nil || flags & 0xff00 == arch! else { continue }
            if let soname = string(start + Int(u32(e + 4))), let path = string(start + Int(u32(e + 8))) {
                libraries.append((soname, path))
            }
        }
    }

    /// Paths of the libraries whose soname starts with `base` (libcuda.so -> libcuda.so.1).
    public func find(_ base: String) -> [(soname: String, path: String)] {
        libraries.filter { $0.soname == base || $0.soname.hasPrefix(base + ".") }
    }

    /// glibc's FLAG_*_LIB64 bits for this machine.
    static var archFlags: UInt32? {
        #if arch(x86_64)
        return 0x0300
        #elseif arch(arm64)
        return 0x0a00
        #else
        return nil
        #endif
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
