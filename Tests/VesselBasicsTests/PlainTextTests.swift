import VesselBasics
import XCTest

final class PlainJSONTests: XCTestCase {
    func testValues() throws {
        let v = try PlainJSON.parse(Array(#" {"a": ["x", "y\n\u00e9\ud83d\ude00"], "b": null, "c": {"d": true, "e": -1.5e3}, "f": [] } "#.utf8))
        XCTAssertEqual(v.object?["a"]?.strings, ["x", "y\né😀"])
        XCTAssertEqual(v.object?["b"], .null)
        XCTAssertEqual(v.object?["c"], .object(["d": .bool(true), "e": .number("-1.5e3")]))
        XCTAssertEqual(v.object?["f"]?.strings, [])
        XCTAssertNil(PlainJSON.array([.string("x"), .null]).strings)
    }

    /// The image's bytes: every malformation is one error, and nesting is bounded.
    func testBadInputIsAnError() {
        for bad in ["", "{", "{\"a\" 1}", "[1,]x", "\"abc", "\"\\q\"", "\"\u{01}\"", "{\"a\":1}}", "tru", "\"\\ud83d\\u0041\"", "[1 2]"] {
            XCTAssertThrowsError(try PlainJSON.parse(Array(bad.utf8)), bad)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertThrowsError(try PlainJSON.parse(Array(deep.utf8))) { XCTAssertTrue("\($0)".contains("nested too deeply")) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        XCTAssertNoThrow(try PlainJSON.parse(Array(fine.utf8)))
    }
}

final class PlainTextTests: XCTestCase {
    func testTrimmedAndReplacingAll() {
        XCTAssertEqual(" \t a b \t".trimmed(), "a b")
        XCTAssertEqual("\n a \n".trimmed(), "\n a \n")
        XCTAssertEqual("\n a \r\n".trimmed(newlines: true), "a")
        XCTAssertEqual("   ".trimmed(), "")
        XCTAssertEqual("x = 1"[...].trimmed(), "x = 1")
        XCTAssertEqual("img: bad img: thing".replacingAll("img: ", with: ""), "bad thing")
        XCTAssertEqual("aaa".replacingAll("aa", with: "b"), "ba")
        XCTAssertEqual("abc".replacingAll("", with: "x"), "abc")
        XCTAssertEqual("é: x".replacingAll("é: ", with: ""), "x")
    }
}
