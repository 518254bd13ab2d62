import Foundation
import VesselBasics
import XCTest

/// Reads root does of what a user wrote are bounded: past the limit, nil and EFBIG.
final class SyscallTests: XCTestCase {
    private func pipeHolding(_ count: Int) -> Int32 {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 1 << 20)
        XCTAssertTrue(Syscall.writeAll(fds[1], [UInt8](repeating: 7, count: count)))
        close(fds[1])
        return fds[0]
    }

    func testReadAllStopsAtItsLimit() {
        for (count, limit) in [(100, 100), (100, 99), (70_000, 65_536), (0, 0), (5, 0)] {
            let fd = pipeHolding(count)
            defer { close(fd) }
            let got = Syscall.readAll(fd, limit: limit)
            if count <= limit { XCTAssertEqual(got?.count, count, "\(count) within \(limit)") } else {
                XCTAssertNil(got, "\(count) past \(limit)")
                XCTAssertEqual(errno, EFBIG)
            }
        }
        let fd = pipeHolding(70_000)
        defer { close(fd) }
        XCTAssertNil(Syscall.readAll(fd, within: 5, limit: 4096))
        XCTAssertEqual(errno, EFBIG)
        let whole = pipeHolding(4096)
        defer { close(whole) }
        XCTAssertEqual(Syscall.readAll(whole, within: 5, limit: 4096)?.count, 4096)
    }
}
