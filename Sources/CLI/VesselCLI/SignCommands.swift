import ArgumentParser
import Foundation
import VesselBuild
import VesselImage
import VesselSign

/// A passphrase from VESSEL_KEY_PASSPHRASE, else asked on the terminal.
func keyPassphrase(_ prompt: String) -> String? {
    if let p = ProcessInfo.processInfo.environment["VESSEL_KEY_PASSPHRASE"] { return p }
    guard isatty(STDIN_FILENO) == 1, let p = getpass(prompt) else { return nil }
    return String(cString: p)
}

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make, list, export and import signing keys (Ed25519).",
        discussion: """
        Your keys live in ~/.config/vessel/keys (private keys mode 0600, optionally sealed with \
        a passphrase); keys you trust in ~/.config/vessel/trusted, and the site's in \
        /etc/vessel/trusted. A public key is one line: vessel-ed25519 BASE64 NAME.

        Examples:
          vessel key new --name alice --passphrase
          vessel key export alice > alice.pub        # give this to collaborators
          vessel key import alice.pub                # trust a collaborator's key
        """,
        subcommands: [New.self, List.self, Export.self, Import.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Make a new key pair.")
        @Option(help: "The key's name (default: your user name).") var name: String?
        @Flag(help: "Protect the private key with a passphrase (asked for, or VESSEL_KEY_PASSPHRASE).") var passphrase = false
        func run() throws {
            do {
                var pass: String?
                if passphrase {
                    guard let p = keyPassphrase("Passphrase for the new key: "), !p.isEmpty else {
                        throw ValidationError("--passphrase: no passphrase given (no terminal, and VESSEL_KEY_PASSPHRASE is not set)")
                    }
                    pass = p
                }
                let key = try KeyStore().create(name: name ?? ProcessInfo.processInfo.environment["USER"] ?? "me", passphrase: pass)
                print("made key \(key.name) (\(key.id)); public key: \(KeyStore().directory)/\(key.name).pub")
            } catch let e as ValidationError { throw e } catch { throw fail("key new", error) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your keys and the keys you trust.")
        func run() throws {
            let store = KeyStore()
            let own = store.list()
            print("your keys (\(store.directory)):")
            if own.isEmpty { print("  none (vessel key new)") }
            for k in own { print("  \(k.id)  \(k.name)") }
            let others = store.trusted(by: SiteConfig.load()).filter { t in !own.contains(t) }
            print("trusted keys:")
            if others.isEmpty { print("  none besides yours (vessel key import)") }
            for k in others { print("  \(k.id)  \(k.name)") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Print a public key, to give to others.")
        @Argument(help: "The key's name (default: your only key).") var name: String?
        func run() throws {
            let keys = KeyStore().list()
            guard let key = name.map({ n in keys.first { $0.name == n } }) ?? (keys.count == 1 ? keys.first : nil) else {
                throw fail("key export", SignError.badKey(name ?? KeyStore().directory, reason: keys.isEmpty ? "no key" : "name one of: \(keys.map(\.name).joined(separator: ", "))"))
            }
            print(key.line)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Trust a public key (a file, or - for standard input).")
        @Argument(help: "The public key file.") var file: String
        func run() throws {
            do {
                let key = file == "-" ? try PublicKey(line: String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self), origin: "standard input")
                                      : try PublicKey.load(file)
                let path = try KeyStore().importKey(key)
                print("trusting \(key.name) (\(key.id)): \(path)")
            } catch { throw fail("key import", error) }
        }
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an image with your key.",
        discussion: """
        The signature covers the image's SquashFS bytes (by their SHA-256) and its \
        /.vessel/provenance.json, and is stored in the same file, after the SquashFS data: the \
        file stays one file and still mounts with the kernel, squashfuse and unsquashfs. Several \
        people may sign one image. --detached writes the signature to a file of its own instead \
        (for images made by other tools, or read-only ones).
        """)
    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh")) var image: String
    @Option(help: "Which of your keys (default: your only one).") var keyName: String?
    @Option(help: ArgumentHelp("Write the signature to FILE instead of into the image.", valueName: "FILE.sig")) var detached: String?
    func run() throws {
        do {
            let key = try ImageSigner.sign(image, keys: KeyStore(), keyName: keyName, passphrase: { keyPassphrase("Passphrase for the key: ") },
                                           detached: detached)
            print("signed \(image) as \(key.name) (\(key.id))" + (detached.map { " in \($0)" } ?? ""))
        } catch { throw fail("sign", error) }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an image's signatures: who signed, when, and what the image came from.",
        discussion: """
        Every signature must match the image byte for byte. With --trusted, one of them must be \
        by a key you or the site trust; with --key, by that key. Exit status 0 when the image \
        passes, 1 otherwise, with the reason.
        """)
    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh")) var image: String
    @Option(help: ArgumentHelp("Require a signature by this public key.", valueName: "FILE")) var key: String?
    @Flag(help: "Require a signature by a trusted key.") var trusted = false
    @Option(help: ArgumentHelp("Read the signatures from FILE (see vessel sign --detached).", valueName: "FILE.sig")) var detached: String?
    @Flag(help: "Print JSON.") var json = false
    func run() throws {
        do {
            let required: [PublicKey]? = try key.map { [try PublicKey.load($0)] } ?? (trusted ? KeyStore().trusted(by: SiteConfig.load()) : nil)
            let (sigs, provenance) = try ImageSigner.verify(image, detached: detached, trusted: required)
            if json {
                struct Out: Encodable { var image: String; var signatures: [VerifiedSignature]; var provenance: Provenance? }
                print(String(decoding: try JSONEncoder.stable.encode(Out(image: image, signatures: sigs, provenance: provenance)), as: UTF8.self))
                return
            }
            print("\(image): good")
            for s in sigs { print("  signed by \(s.signer) (key \(s.keyID)) at \(s.signedAt)\(s.trusted ? ", trusted" : "")") }
            if let p = provenance {
                print("  image: manifest \(p.manifestDigest ?? "-"), config \(p.configDigest), \(p.platform)\(p.source.map { ", from \($0)" } ?? "")")
            }
        } catch SignError.unsigned(let path) where detached == nil {
            // A .sif file's own signatures are PGP signatures over its data objects: name them.
            guard let sif = try? Inspection(path: image).sif else { throw fail("verify", SignError.unsigned(path)) }
            let signers = sif.objects.compactMap { o in o.entity.map { "\($0) over object \(o.signs ?? 0) (\(o.hash ?? ""))" } }
            let what = signers.isEmpty ? "it carries no SIF signature either"
                : "it carries \(signers.count) SIF signature\(signers.count == 1 ? "" : "s") by \(signers.joined(separator: ", ")), which are PGP signatures: check them with apptainer verify, or convert it (vessel build OUT.sqsh sif:\(image)) and sign that"
            throw fail("verify", ValidationError("\(path): a SIF file without a Vessel signature; \(what)"))
        } catch { throw fail("verify", error) }
    }
}

/// The trust policy, checked for the static front (TrustCheck): says why IMAGE may not run,
/// in one line, or nothing. Not for users: `vessel verify` is theirs.
struct TrustCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust-check", abstract: "Check an image against the site's trust policy (used by vessel exec).", shouldDisplay: false)

    @Argument var image: String

    func run() throws {
        do { try TrustPolicy.check(image) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
