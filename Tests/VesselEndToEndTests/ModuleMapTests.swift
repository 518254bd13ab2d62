import Foundation
import XCTest

/// Package.swift's module map is the source of truth: every module imports only what its target
/// declares (SwiftPM lets a module reach what another one pulls in, so a missing declaration
/// goes unnoticed), and declares no Vessel module it does not use.
final class ModuleMapTests: XCTestCase {
    func testEveryImportIsDeclaredAndEveryDeclarationUsed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = try NSRegularExpression(pattern: #"\.(?:target|executableTarget|testTarget)\(name: "([^"]+)"(?:, dependencies: \[(.*?)\])?(?:, path: "([^"]+)")?"#,
                                             options: [.dotMatchesLineSeparators])
        let quoted = try NSRegularExpression(pattern: #""([A-Za-z_-]+)""#)
        var modules: [(name: String, deps: Set<String>, dir: URL)] = []
        for m in target.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)) {
            let name = String(manifest[Range(m.range(at: 1), in: manifest)!])
            let depText = Range(m.range(at: 2), in: manifest).map { String(manifest[$0]) } ?? ""
            var deps = Set(quoted.matches(in: depText, range: NSRange(depText.startIndex..., in: depText)).map { String(depText[Range($0.range(at: 1), in: depText)!]) })
            if depText.contains("ArgumentParser") { deps.insert("ArgumentParser") }
            if depText.contains("\"Crypto\"") { deps.insert("Crypto") }
            if depText.contains("_CryptoExtras") { deps.insert("_CryptoExtras") }
            let path = Range(m.range(at: 3), in: manifest).map { String(manifest[$0]) } ?? (name.hasSuffix("Tests") ? "Tests/\(name)" : "Sources/\(name)")
            modules.append((name, deps, root.appendingPathComponent(path)))
        }
        XCTAssertGreaterThan(modules.count, 30)
        let ours = Set(modules.map(\.name)).union(["ArgumentParser", "Crypto", "_CryptoExtras"])
        let importLine = try NSRegularExpression(pattern: #"^\s*(?:@testable |@_exported )?import (\w+)"#, options: [.anchorsMatchLines])
        for module in modules {
            guard let files = FileManager.default.enumerator(at: module.dir, includingPropertiesForKeys: nil) else { continue }
            var imports = Set<String>()
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in importLine.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    imports.insert(String(text[Range(m.range(at: 1), in: text)!]))
                }
            }
            let undeclared = imports.filter { ours.contains($0) && $0 != module.name && !module.deps.contains($0) }
            XCTAssertEqual(undeclared.sorted(), [], "\(module.name) imports modules its target does not declare")
            let unused = module.deps.filter { $0.hasPrefix("Vessel") && !imports.contains($0) }
            XCTAssertEqual(unused.sorted(), [], "\(module.name) declares Vessel modules it does not import")
            if Self.front.contains(module.name) {
                XCTAssertEqual(imports.filter { $0.hasPrefix("Foundation") }.sorted(), [], "\(module.name) is linked into the static front, which has no Foundation")
            }
        }
    }

    /// The front calls nothing of the standard library's regex engine (_StringProcessing and
    /// _RegexParser, 0.8 MB of the static front's code): the standard library's `replacing`,
    /// `firstRange` and `contains` of a string live there. PlainText's `replacingAll`,
    /// `rangeOfText` and `containsText` do without. Debug builds link the front dynamically, so
    /// what it calls of those libraries is in its table of undefined dynamic symbols.
    func testTheFrontCallsNoRegexEngine() throws {
        let symbols = try Harness.run(["nm", "-D", "--undefined-only", Harness.vessel])
        XCTAssertEqual(symbols.status, 0, symbols.stderr)
        guard symbols.stdout.contains("swift_retain") else { throw Harness.skip("\(Harness.vessel) is linked statically (a release build): nm sees no Swift symbols") }
        let engine = symbols.stdout.split(separator: "\n").filter { $0.contains("17_StringProcessing") || $0.contains("12_RegexParser") }
        XCTAssertEqual(engine, [], "the front calls the regex engine: use PlainText's helpers")
    }

    /// The modules the static `vessel` front links: Glibc and the standard library only (Foundation
    /// and its ICU data were 50 MB of an 87 MB front, and a tenth of a start's CPU).
    static let front: Set<String> = ["vessel", "VesselStart", "VesselRuntime", "VesselImage", "VesselSquashFS", "VesselTree", "VesselWire", "VesselBasics"]
}
