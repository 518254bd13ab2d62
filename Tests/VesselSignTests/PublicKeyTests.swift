import Foundation
import VesselSign
import XCTest

/// Public keys as files and lines (`vessel-ed25519 BASE64 NAME`), and their ids.
final class PublicKeyTests: XCTestCase {
    func testLinesRoundTripAndIDs() throws {
        let key = PublicKey(raw: Data(repeating: 1, count: 32), name: "alice@lab")
        let back = try PublicKey(line: key.line + "\n", origin: "test")
        XCTAssertEqual(back, key)
        XCTAssertEqual(key.id.count, 16)
        XCTAssertNotEqual(PublicKey(raw: Data(repeating: 2, count: 32), name: "alice@lab").id, key.id)
    }

    func testWhatIsNotAKey() {
        for line in ["ssh-ed25519 AAAA", "vessel-ed25519 !!!", "vessel-ed25519 " + Data(repeating: 1, count: 16).base64EncodedString()] {
            XCTAssertThrowsError(try PublicKey(line: line, origin: "k.pub")) {
                XCTAssertEqual("\($0)", "key k.pub: not a Vessel public key (expected: vessel-ed25519 BASE64 NAME)")
            }
        }
    }
}
