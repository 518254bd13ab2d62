import ArgumentParser
import Foundation
import XCTest
@testable import VesselCLI
import VesselStart

/// The container-option table (VesselWire's ContainerOption) is the one place an option is
/// spelled: walking it, each CLI option must read the same through ArgumentParser and
/// QuickStart and do what its row's behaviour does, and the committed shell completions must be
/// the ones the table makes. (The plugin's options are checked against srun's own --help, on
/// the test cluster: SlurmPluginTests.testSrunListsEveryPluginOptionOfTheTable.)
final class OptionTableTests: XCTestCase {
    /// A command line giving one option (a sample value where it takes one), and what the
    /// option's behaviour makes of it.
    private func sample(_ option: ContainerOption, _ word: String) -> ([String], ContainerChoices) {
        var expected = ContainerChoices()
        let value: String? = option.cli!.kind == .flag ? nil : "/sample"
        XCTAssertTrue(expected.take(option.id, value), "\(option.id) has no CLI behaviour")
        return (["exec", word] + (value.map { [$0] } ?? []) + ["img.sqsh", "true"], expected)
    }

    func testEveryCLIOptionReadsTheSameEverywhereAndDoesWhatItsRowSays() throws {
        let rows = ContainerOption.all.filter { $0.cli != nil }
        XCTAssertFalse(rows.isEmpty)
        for option in rows {
            let s = option.cli!
            for word in ["--" + s.long] + (s.short.map { ["-\($0)"] } ?? []) {
                let (line, expected) = sample(option, word)
                guard case let exec as Exec = try Vessel.parseAsRoot(line) else { XCTFail("\(line)"); continue }
                XCTAssertEqual(exec.options.choices, expected, "ArgumentParser: \(line)")
                XCTAssertEqual(QuickStart(line)?.choices, expected, "QuickStart: \(line)")
            }
            let help = Vessel.helpMessage(for: Exec.self, columns: 1000)
            XCTAssertTrue(help.contains("--" + s.long), "vessel exec --help lacks --\(s.long)")
            XCTAssertTrue(help.contains(s.help), "vessel exec --help lacks the table's help for --\(s.long)")
        }
        // ArgumentParser has no option the table lacks.
        let declared = Vessel.helpMessage(for: Exec.self, columns: 1000).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first { $0.hasPrefix("--") }.map { String($0.prefix { $0 != "," && $0 != "=" }) } }
            .filter { !["--help", "--version"].contains($0) }
        for long in declared { XCTAssertNotNil(ContainerOption.cli(named: long), "\(long) is declared but not in the table") }
    }

    func testThePluginsOptionsAreTheTablesAndTakeWhatTheySay() {
        let plugin = ContainerOption.pluginOptions
        XCTAssertEqual(plugin.count, ContainerOption.all.filter { $0.plugin != nil }.count, "every plugin row is registered once")
        XCTAssertEqual(Set(plugin.map { $0.plugin!.long }).count, plugin.count, "no plugin option spelled twice")
        for option in plugin { XCTAssertTrue(option.plugin!.long.hasPrefix("container-") || option.plugin!.long.hasPrefix("no-container-"), option.plugin!.long) }
    }

    /// contrib/completion holds what ArgumentParser (and so the table) makes.
    func testCommittedCompletionsAreCurrent() throws {
        let contrib = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("contrib/completion")
        for (shell, file) in [(CompletionShell.bash, "vessel.bash"), (.zsh, "_vessel"), (.fish, "vessel.fish")] {
            let committed = try String(contentsOf: contrib.appendingPathComponent(file), encoding: .utf8)
            let made = Vessel.completionScript(for: shell)
            XCTAssertEqual(committed.trimmingCharacters(in: .whitespacesAndNewlines), made.trimmingCharacters(in: .whitespacesAndNewlines),
                           "contrib/completion/\(file) is stale: vessel-cli --generate-completion-script \(shell) > contrib/completion/\(file)")
        }
    }
}
