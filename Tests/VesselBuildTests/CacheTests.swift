import Foundation
@testable import VesselBuild
import VesselImage
import XCTest

final class CacheRootTests: XCTestCase {
    func testCacheRootOrder() {
        var c = SiteConfig()
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h"], config: c), "/h/.cache/vessel")
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h", "XDG_CACHE_HOME": "/x"], config: c), "/x/vessel")
        c.cacheDirectory = "/shared"
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["HOME": "/h"], config: c), "/shared")
        XCTAssertEqual(ImageCache.defaultRoot(environment: ["VESSEL_CACHE": "/v"], config: c), "/v")
    }
}

final class CacheLockTests: XCTestCase {
    func testExclusiveAndStale() throws {
        let dir = NSTemporaryDirectory() + "vessel-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/x.lock"
        let first = try CacheLock.acquire(path) { _ in XCTFail("free lock") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let holder = try XCTUnwrap(CacheLock.Holder(path: path))
        XCTAssertEqual(holder.pid, getpid())
        XCTAssertFalse(holder.isStale)
        first.release()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        // A dead owner on this host.
        try "\(CacheLock.hostName) 999999 0\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertTrue(try XCTUnwrap(CacheLock.Holder(path: path)).isStale)
        let second = try CacheLock.acquire(path) { _ in }
        XCTAssertEqual(try XCTUnwrap(CacheLock.Holder(path: path)).pid, getpid())
        second.release()
    }
}
