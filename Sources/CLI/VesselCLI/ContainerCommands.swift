import ArgumentParser
import Foundation
import VesselBuild
import VesselRegistry
import VesselRuntime
import VesselStart
import VesselWire

/// Options every way of starting a container takes: names and help from the option table
/// (VesselWire's ContainerOption), what each does from ContainerChoices.take.
struct ContainerOptions: ParsableArguments {
    @Option(name: cliName(.bind), help: cliHelp(.bind)) var bind: [String] = []
    @Option(name: cliName(.env), help: cliHelp(.env)) var env: [String] = []
    @Option(name: cliName(.envFile), help: cliHelp(.envFile)) var envFile: [String] = []
    @Flag(name: cliName(.cleanEnv), help: cliHelp(.cleanEnv)) var cleanEnv = false
    @Flag(name: cliName(.fakeroot), help: cliHelp(.fakeroot)) var fakeroot = false
    @Flag(name: cliName(.writable), help: cliHelp(.writable)) var writableTmpfs = false
    @Flag(name: cliName(.contain), help: cliHelp(.contain)) var contain = false
    @Flag(name: cliName(.noHome), help: cliHelp(.noHome)) var noHome = false
    @Option(name: cliName(.workdir), help: cliHelp(.workdir)) var pwd: String?
    @Flag(name: cliName(.unpack), help: cliHelp(.unpack)) var unpack = false
    @Flag(name: cliName(.nv), help: cliHelp(.nv)) var nv = false
    @Flag(name: cliName(.verbose), help: cliHelp(.verbose)) var verbose = false
    @Option(name: cliName(.unshare), help: cliHelp(.unshare)) var unshare: [String] = []
    @Option(name: cliName(.join), help: cliHelp(.join)) var join: String?
    @Flag(name: cliName(.noJoin), help: cliHelp(.noJoin)) var noJoin = false
    @Option(name: cliName(.overlay), help: cliHelp(.overlay)) var overlay: String?
    @Option(name: cliName(.save), help: cliHelp(.save)) var save: String?

    /// What was given, option by option, as the table's behaviour takes it.
    var choices: ContainerChoices {
        var c = ContainerChoices()
        for v in bind { c.take(.bind, v) }
        for v in env { c.take(.env, v) }
        for v in envFile { c.take(.envFile, v) }
        if cleanEnv { c.take(.cleanEnv, nil) }
        if fakeroot { c.take(.fakeroot, nil) }
        if writableTmpfs { c.take(.writable, nil) }
        if contain { c.take(.contain, nil) }
        if noHome { c.take(.noHome, nil) }
        if let pwd { c.take(.workdir, pwd) }
        if unpack { c.take(.unpack, nil) }
        if nv { c.take(.nv, nil) }
        if verbose { c.take(.verbose, nil) }
        for v in unshare { c.take(.unshare, v) }
        if let join { c.take(.join, join) }
        if noJoin { c.take(.noJoin, nil) }
        if let overlay { c.take(.overlay, overlay) }
        if let save { c.take(.save, save) }
        return c
    }

    func spec(image: String, mode: ContainerSpec.Mode, arguments: [String]) throws -> ContainerSpec {
        try choices.spec(image: image, mode: mode, arguments: arguments)
    }
}

/// An option's names for ArgumentParser, from the table.
func cliName(_ id: ContainerOption.ID) -> NameSpecification {
    let s = ContainerOption.row(id).cli!
    return NameSpecification([.customLong(s.long)] + (s.short.map { [.customShort($0)] } ?? []))
}

/// An option's help for ArgumentParser, from the table.
func cliHelp(_ id: ContainerOption.ID) -> ArgumentHelp {
    let s = ContainerOption.row(id).cli!
    return ArgumentHelp(s.help, valueName: s.valueName)
}

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in an image, rootless.",
        discussion: """
        IMAGE is a SquashFS file (a Vessel image, or any other), an Apptainer/Singularity .sif \
        file (served in place), or a registry reference (oras://... for an image file pushed \
        with vessel push, docker://... for a container image), pulled into the cache once per \
        digest. The image is mounted through FUSE by Vessel itself, in a user and mount namespace of \
        its own: no root, no setuid helper, no daemon, and no mount left behind however the \
        command ends. $HOME, the current directory, /tmp, /dev and /sys are bound in; the \
        image's Env applies. The exit status is the command's (128+N when signal N ended it); \
        125 when Vessel could not start it.

        Examples:
          vessel exec python.sqsh python3 train.py
          vessel exec oras://ghcr.io/lab/app:1.2 python3 run.py
          srun vessel exec --bind /scratch/$USER:/data pytorch.sqsh python3 train.py
        """
    )

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh"))
    var image: String

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "CMD"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("name a command to run (or use vessel run for the image's own)") }
    }

    func run() throws { launch("exec") { try options.spec(image: try cachedImage(image), mode: .exec, arguments: command) } }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an image's own command (Entrypoint + Cmd).",
        discussion: """
        ARGS replace the image's Cmd, as with docker run. The working directory is the image's \
        WorkingDir (--pwd overrides). Otherwise as vessel exec.
        """
    )

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh"))
    var image: String

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Arguments replacing the image's Cmd.", valueName: "ARGS"))
    var arguments: [String] = []

    func run() throws { launch("run") { try options.spec(image: try cachedImage(image), mode: .run, arguments: arguments) } }
}

struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Start an interactive shell in an image (bash if it has one, else sh).")

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh"))
    var image: String

    func run() throws { launch("shell") { try options.spec(image: try cachedImage(image), mode: .shell, arguments: []) } }
}

/// A registry image (oras://, docker://) as the file in the cache to run, pulled (or
/// converted) once per digest, as vessel resolve does; a path stays as it is.
func cachedImage(_ image: String) throws -> String {
    guard image.hasPrefix("oras://") || image.hasPrefix("docker://") else { return image }
    var puller = try Puller.configured(registry: .standard(quiet: false), quiet: false)
    puller.announceCached = false
    return try puller.resolve(image, options: try .defaults(), progressStyle: VesselBuild.Progress.defaultStyle(quiet: false))
}
