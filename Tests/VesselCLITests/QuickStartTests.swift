import ArgumentParser
import XCTest
@testable import VesselCLI
import VesselStart

/// QuickStart reads the usual container starts without ArgumentParser; whatever it takes, it
/// must read exactly as ArgumentParser does, and whatever it leaves must reach ArgumentParser.
final class QuickStartTests: XCTestCase {
    /// What ArgumentParser makes of a command line, in QuickStart's terms.
    private func viaArgumentParser(_ args: [String]) throws -> (ContainerChoices, String, [String]) {
        switch try Vessel.parseAsRoot(args) {
        case let c as Exec: return (c.options.choices, c.image, c.command)
        case let c as Run: return (c.options.choices, c.image, c.arguments)
        case let c as Shell: return (c.options.choices, c.image, [])
        case let c: XCTFail("\(args) parsed as \(type(of: c))"); throw ExitCode(1)
        }
    }

    func testTakesTheUsualShapesAndReadsThemAsArgumentParserDoes() throws {
        let lines: [[String]] = [
            ["exec", "img.sqsh", "/bin/true"],
            ["exec", "img.sqsh", "python3", "-c", "print(1)", "--nv"],
            ["exec", "--nv", "-B", "/a", "--bind", "/b:/c:ro", "--bind=/d:/e:rw", "img.sqsh", "ls", "-l"],
            ["exec", "--env", "A=1", "--env=B=2", "--env-file", "f.env", "--env-file=g.env", "-e", "img", "env"],
            ["exec", "--cleanenv", "--fakeroot", "--writable-tmpfs", "-c", "--no-home", "--unpack", "img", "id"],
            ["exec", "--contain", "--pwd", "/work", "--pwd=/tmp", "img", "pwd"],
            ["exec", "--nv", "--nv", "img", "x"],
            ["run", "img.sqsh"],
            ["run", "--fakeroot", "img.sqsh", "arg1", "--flag"],
            ["shell", "img.sqsh"],
            ["shell", "-B", "/scratch", "--nv", "img.sqsh"],
        ]
        for line in lines {
            guard let quick = QuickStart(line) else { XCTFail("QuickStart left \(line) to ArgumentParser"); continue }
            guard let (choices, image, arguments) = try? viaArgumentParser(line) else { XCTFail("ArgumentParser refused \(line)"); continue }
            XCTAssertEqual(quick.choices, choices, "\(line)")
            XCTAssertEqual(quick.image, image, "\(line)")
            XCTAssertEqual(quick.arguments, arguments, "\(line)")
            XCTAssertEqual(quick.name, line[0])
        }
    }

    func testLeavesEverythingElseToArgumentParser() {
        let lines: [[String]] = [
            [], ["build", "x.sqsh", "oci:dir"], ["exec"], ["exec", "--help"], ["exec", "-h"], ["run", "--help"],
            ["exec", "img.sqsh"],                       // no command: ArgumentParser's message
            ["exec", "img.sqsh", "--nv", "true"],       // an option after the image
            ["exec", "--", "img.sqsh", "true"],
            ["exec", "-ec", "img.sqsh", "true"],        // combined short flags
            ["exec", "--bind", "-x", "img", "true"],    // a value that looks like an option
            ["exec", "--pwd", "", "img", "x"], ["exec", "--env=", "img", "x"],
            ["exec", "--bind"], ["exec", "--nv=yes", "img", "true"], ["exec", "-B=/a", "img", "true"],
            ["exec", "--frobnicate", "img", "true"],
            ["shell", "img.sqsh", "extra"], ["run", "img.sqsh", "--entrypoint-flag"],
            ["exec", "oras://host/repo:v1", "true"], ["run", "docker://debian:12"],  // pulled into the cache first
        ]
        for line in lines { XCTAssertNil(QuickStart(line), "\(line)") }
    }
}
