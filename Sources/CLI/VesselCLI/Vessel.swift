import ArgumentParser
import Foundation
import VesselBuild
import VesselRuntime
import VesselSign
import VesselImage

/// The whole command line, run by the `vessel-cli` executable: every command the static `vessel`
/// front does not start itself (see Sources/vessel/main.swift).
public enum VesselCommandLine {
    public static func main() {
        // This program links the signature code: containers it starts check the trust policy
        // in process (the static front asks it through `trust-check`).
        TrustCheck.verify = { try TrustPolicy.check($0) }
        // This program links glibc dynamically: the system's user databases (NSS) work here.
        UserEntry.lookUp = { uid in
            guard let pw = getpwuid(uid) else { return nil }
            return UserEntry(name: String(cString: pw.pointee.pw_name), gecos: String(cString: pw.pointee.pw_gecos),
                             home: String(cString: pw.pointee.pw_dir), shell: String(cString: pw.pointee.pw_shell))
        }
        UserEntry.lookUpGroup = { gid in getgrgid(gid).map { String(cString: $0.pointee.gr_name) } }
        Vessel.main()
    }
}

struct Vessel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vessel",
        abstract: "Container images as single SquashFS files, for HPC clusters.",
        discussion: """
        Convert an OCI or Docker image into one SquashFS file, without root and without \
        unpacking it to disk:

            vessel build python.sqsh docker-archive:python.tar
            vessel inspect python.sqsh

        and run it rootless, on a login node or in a batch job:

            vessel exec python.sqsh python3 -c 'print(42)'
            vessel run python.sqsh

        See vessel-build(1), vessel-inspect(1) and vessel-exec(1) for details.
        """,
        version: VesselVersion.current,
        subcommands: [Build.self, Pull.self, Push.self, Sign.self, Verify.self, Key.self, Diff.self, Login.self, Logout.self, CacheCommand.self, Resolve.self, SpankHelper.self, TrustCheckCommand.self, SaveContainerCommand.self, RemoveKeptCommand.self, UserEntryCommand.self, Inspect.self, Exec.self, Run.self, Shell.self, Submit.self, Jobs.self, Results.self, Collect.self, Doctor.self, Gateway.self]
    )

    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        // Names in layer tars are UTF-8 bytes; a UTF-8 locale makes libarchive hand them over
        // unchanged.
        setlocale(LC_CTYPE, "C.UTF-8")
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// A command's work: its own exit codes pass through; any other error is one line naming the
/// command and the cause, with exit status 1.
func failing(as command: String, _ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch { throw fail(command, error) }
}

/// Prints a one-line error naming what failed and why, and exits non-zero.
func fail(_ command: String, _ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("vessel \(command): \(error)\n".utf8))
    return ExitCode(1)
}
