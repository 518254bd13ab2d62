#if canImport(Glibc)
import Glibc
#endif

/// C strings handed to libslurm for one call, freed together afterwards.
final class CStringArena {
    private var pointers: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []

    func string(_ s: String?) -> UnsafeMutablePointer<CChar>? {
        guard let s, let p = strdup(s) else { return nil }
        pointers.append(p)
        return p
    }

    func array(_ list: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let a = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: list.count + 1)
        for (i, s) in list.enumerated() { a[i] = string(s) }
        a[list.count] = nil
        arrays.append(a)
        return a
    }

    deinit {
        pointers.forEach { free($0) }
        arrays.forEach { $0.deallocate() }
    }
}

func text(_ p: UnsafeMutablePointer<CChar>?) -> String? {
    guard let p else { return nil }
    let s = String(cString: p)
    return s.isEmpty ? nil : s
}
