import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselRegistry

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Save credentials for a registry.",
        discussion: """
        Checks the credentials with the registry, then stores them in \
        $XDG_CONFIG_HOME/vessel/auth.json (~/.config/vessel/auth.json), mode 0600, in the \
        format Podman and Docker use. The password is read from the terminal without echo, \
        or from standard input with --password-stdin (for scripts; never put it in a command \
        line, where other users can see it).

        Examples:
          vessel login ghcr.io
          echo "$TOKEN" | vessel login --username me --password-stdin registry.example.org
        """
    )

    @Argument(help: ArgumentHelp("The registry, e.g. docker.io, ghcr.io, registry.example.org:5000.", valueName: "REGISTRY"))
    var registry: String

    @Option(name: .shortAndLong, help: "The user name (asked for when not given).")
    var username: String?

    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false

    @OptionGroup(title: "Registry")
    var flags: RegistryFlags

    func run() throws {
        do {
            let ref = try RegistryReference(parsing: registry.hasSuffix("/") ? registry + "x" : registry + "/x")
            guard let user = try username ?? Self.prompt("Username: "), !user.isEmpty else {
                throw ValidationError("no user name given (use --username)")
            }
            let password: String
            if passwordStdin {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            } else {
                guard isatty(STDIN_FILENO) == 1, let p = getpass("Password: ") else {
                    throw ValidationError("no terminal to read the password from; use --password-stdin")
                }
                password = String(cString: p)
            }
            guard !password.isEmpty else { throw ValidationError("the password is empty") }
            let store = CredentialStore()
            let credential = Credential(username: user, password: password, origin: "vessel login")
            RegistryClient.version = VesselVersion.current
            try RegistryClient(reference: ref, options: try flags.options(quiet: false)).verifyLogin(credential)
            try store.save(credential, registry: ref.registry)
            print("Login succeeded: \(user) at \(ref.registry) (saved in \(store.ownFile))")
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail("login", error)
        }
    }

    static func prompt(_ text: String) throws -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        FileHandle.standardError.write(Data(text.utf8))
        return readLine()
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the credentials vessel login saved for a registry.")

    @Argument(help: ArgumentHelp("The registry.", valueName: "REGISTRY"))
    var registry: String

    func run() throws {
        do {
            let store = CredentialStore()
            if try store.remove(registry: registry) {
                print("Removed the credentials for \(registry) from \(store.ownFile)")
            } else {
                throw ValidationError("no credentials for \(registry) in \(store.ownFile)")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail("logout", error)
        }
    }
}
