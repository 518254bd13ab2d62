import Foundation
import XCTest

/// The package's layout (scripts/package), against the RPM spec and in use: the front finds
/// vessel-cli in libexec, the manual pages and completions load. Against the installed package
/// when the tests run with it (scripts/test --installed), else against a layout staged here from
/// the build the tests use.
final class PackagingTests: XCTestCase {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    var installed: Bool { Harness.vessel == "/usr/bin/vessel" }

    /// The binaries the tests run: vessel beside the test executable (or VESSEL_BIN's directory).
    var buildDirectory: String {
        let tests = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return tests.deletingLastPathComponent().path
    }

    /// Stages the layout under a fresh directory, as the spec's %install does.
    func stage(zshDirectory: String = "/usr/share/zsh/site-functions") throws -> String {
        let root = try Harness.scratch("package")
        let r = try Harness.run(["bash", Self.checkout + "/scripts/package", "stage", root, "--bin", buildDirectory],
                                environment: ["ZSH_COMPLETIONS": zshDirectory])
        XCTAssertEqual(r.status, 0, r.stderr)
        try Harness.run(["chmod", "-R", "a+rX", root])
        return root
    }

    /// Every file and link under ROOT, as absolute paths in the installed system.
    func files(under root: String) throws -> [String] {
        let r = try Harness.run(["find", root, "(", "-type", "f", "-o", "-type", "l", ")"])
        return r.stdout.split(separator: "\n").map { String($0.dropFirst(root.count)) }.sorted()
    }

    func testTheSpecListsEveryFileThePackageInstalls() throws {
        let spec = Self.checkout + "/contrib/packaging/vessel.spec"
        let parsed = try Harness.run(["rpmspec", "-P", spec])
        XCTAssertEqual(parsed.status, 0, parsed.stderr)
        let lines = parsed.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "%files"))
        // Each entry's path, its directives (%dir, %config(noreplace), ...) aside.
        let entries = lines[(start + 1)...].prefix { !$0.hasPrefix("%changelog") && !$0.hasPrefix("%post") }
            .compactMap { $0.split(separator: " ").last.map(String.init) }.filter { $0.hasPrefix("/") }
        func listed(_ path: String) -> Bool {
            entries.contains { e in
                e.hasSuffix("/") ? path.hasPrefix(e) : fnmatch(e, path, FNM_PATHNAME) == 0
            }
        }
        let root = try stage()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let staged = try files(under: root)
        XCTAssertGreaterThan(staged.count, 30, staged.joined(separator: "\n"))
        XCTAssertEqual(staged.filter { !listed($0) }, [], "installed by scripts/package but not listed in vessel.spec")
        // Every entry names something the package installs (no stale line).
        for e in entries {
            XCTAssertTrue(staged.contains { e.hasSuffix("/") ? $0.hasPrefix(e) : (fnmatch(e, $0, FNM_PATHNAME) == 0 || $0.hasPrefix(e + "/")) },
                          "vessel.spec lists \(e), which scripts/package does not install")
        }
        // The spec's version is the program's.
        let version = try XCTUnwrap(lines.first { $0.hasPrefix("Version:") }?.split(separator: " ").last)
        let shown = try Harness.run([Harness.vessel, "--version"])
        XCTAssertEqual(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines), String(version))
    }

    /// The layout in use: from /usr/bin, vessel hands over to /usr/libexec/vessel/vessel-cli; the
    /// pages and the completions load; no binary asks for glibc's DT_RELR (2.36).
    func testTheLayoutWorks() throws {
        let root = installed ? "" : try stage(zshDirectory: "/usr/share/zsh/vendor-completions")
        defer { if !installed { try? FileManager.default.removeItem(atPath: root) } }
        // A command only vessel-cli runs, and a container the front starts itself.
        let version = try Harness.run([root + "/usr/bin/vessel", "--version"], asTestUser: true)
        XCTAssertEqual(version.status, 0, version.stderr)
        let dir = try Harness.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let build = try Harness.run([root + "/usr/bin/vessel", "build", "-q", dir + "/tiny.sqsh", "oci:" + (try Harness.require("oci/tiny"))],
                                    asTestUser: true)
        XCTAssertEqual(build.status, 0, build.stderr)
        let exec = try Harness.run([root + "/usr/bin/vessel", "exec", dir + "/tiny.sqsh", "cat", "/old/keep.txt"], asTestUser: true)
        XCTAssertEqual(exec.stdout, "v2\n", exec.stderr)
        // A page that is a link to another (vessel-run(1) is vessel-exec(1)).
        let page = installed ? try Harness.run(["man", "-P", "cat", "vessel-run"])
            : try Harness.run(["man", "-l", "-P", "cat", root + "/usr/share/man/man1/vessel-run.1.gz"])
        XCTAssertEqual(page.status, 0, page.stderr)
        XCTAssertTrue(page.stdout.contains("vessel exec"), page.stdout)
        // bash-completion loads the package's file on demand; sourced directly from a stage.
        let load = installed ? "source /usr/share/bash-completion/bash_completion; _completion_loader vessel"
            : "source \(root)/usr/share/bash-completion/completions/vessel"
        let completion = try Harness.run(["bash", "-c", load + "; complete -p vessel"])
        XCTAssertEqual(completion.status, 0, completion.stderr)
        XCTAssertTrue(completion.stdout.contains("vessel"), completion.stdout)
        if installed {
            for binary in ["/usr/bin/vessel", "/usr/libexec/vessel/vessel-cli", "/usr/libexec/vessel/vessel-hostexec",
                           "/usr/lib/vessel/libvessel-spank.so"] {
                let versions = try Harness.run(["readelf", "-V", binary])
                XCTAssertFalse(versions.stdout.contains("GLIBC_ABI_DT_RELR"), "\(binary) needs glibc 2.36 (DT_RELR)")
            }
        }
    }
}
