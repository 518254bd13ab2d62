import CDynamic
import Foundation
import XCTest

/// Libraries opened on first use (libarchive, libcurl, libslurm) say plainly what is missing.
final class DynamicLibraryTests: XCTestCase {
    private func load(_ soname: String, _ symbols: [String]) -> (failure: String?, slots: [UnsafeMutableRawPointer?]) {
        let names = symbols.map { UnsafePointer(strdup($0)) } as [UnsafePointer<CChar>?]
        var slots = [UnsafeMutableRawPointer?](repeating: nil, count: symbols.count)
        var library = vessel_library()
        let failure: String? = soname.withCString { so in
            names.withUnsafeBufferPointer { n in
                slots.withUnsafeMutableBufferPointer { s in
                    library.soname = so
                    library.name = so
                    library.scope = RTLD_LOCAL
                    library.symbols = n.baseAddress
                    library.slots = s.baseAddress
                    library.count = symbols.count
                    return vessel_library_load(&library).map { String(cString: $0) }
                }
            }
        }
        return (failure, slots)
    }

    func testResolvesWhatIsThereAndNamesWhatIsNot() {
        let present = load("libz.so.1", ["zlibVersion", "crc32"])
        XCTAssertNil(present.failure)
        XCTAssertTrue(present.slots.allSatisfy { $0 != nil })

        XCTAssertEqual(load("libz.so.1", ["zlibVersion", "vessel_no_such_function"]).failure,
                       "libz.so.1 lacks vessel_no_such_function")
        let missing = load("libvessel-missing.so.1", ["f"]).failure ?? ""
        XCTAssertTrue(missing.hasPrefix("libvessel-missing.so.1 is not installed ("), missing)
    }
}
