import ArgumentParser
import Foundation
import VesselRuntime

/// The static front's way to the system's user database (sssd, LDAP): it cannot load NSS
/// modules, this program can (see UserEntry). Prints name, GECOS, home and shell on four lines.
struct UserEntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-entry", abstract: "Print a user's passwd entry from the system's databases (used by vessel exec).", shouldDisplay: false)

    @Argument var uid: UInt32

    func run() throws {
        guard let entry = UserEntry.lookUp?(uid) else { throw ExitCode(1) }
        print([entry.name, entry.gecos, entry.home, entry.shell].joined(separator: "\n"))
    }
}
