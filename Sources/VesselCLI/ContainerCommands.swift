import ArgumentParser
import Foundation
import VesselRuntime
import VesselStart

/// Options every way of starting a container takes.
struct ContainerOptions: ParsableArguments {
    @Option(name: [.customShort("B"), .customLong("bind")], help: ArgumentHelp("Bind a host path: SRC[:DST[:ro|rw]] (repeatable). A missing SRC is an error.", valueName: "SPEC"))
    var bind: [String] = []

    @Option(name: [.customLong("env")], help: ArgumentHelp("Set a variable inside (repeatable); wins over the image and the host.", valueName: "NAME=VALUE"))
    var env: [String] = []

    @Option(help: ArgumentHelp("Read NAME=VALUE lines from a file (repeatable).", valueName: "FILE"))
    var envFile: [String] = []

    @Flag(name: [.customShort("e"), .customLong("cleanenv")], help: "Pass no host variables but HOME, USER, LOGNAME, TERM, LANG, TZ and DISPLAY.")
    var cleanEnv = false

    @Flag(help: "Be root inside (uid 0, mapped to you outside: files you create are yours).")
    var fakeroot = false

    @Flag(help: "Let the container write anywhere; the writes vanish when it exits.")
    var writableTmpfs = false

    @Flag(name: .shortAndLong, help: "Bind neither $HOME nor the current directory; give the container a private /tmp.")
    var contain = false

    @Flag(help: "Do not bind $HOME.")
    var noHome = false

    @Option(help: ArgumentHelp("Working directory inside.", valueName: "DIR"))
    var pwd: String?

    @Flag(help: "Unpack the image into a private tmpfs instead of mounting it with FUSE (done by itself when FUSE is not usable).")
    var unpack = false

    @Flag(help: "Bring in the host's NVIDIA driver (libraries, nvidia-smi); GPUs Slurm allocated stay the visible ones.")
    var nv = false

    var choices: ContainerChoices {
        var c = ContainerChoices()
        c.bind = bind; c.env = env; c.envFile = envFile; c.cleanEnv = cleanEnv; c.fakeroot = fakeroot
        c.writableTmpfs = writableTmpfs; c.contain = contain; c.noHome = noHome; c.pwd = pwd; c.unpack = unpack; c.nv = nv
        return c
    }

    func spec(image: String, mode: ContainerSpec.Mode, arguments: [String]) throws -> ContainerSpec {
        try choices.spec(image: image, mode: mode, arguments: arguments)
    }
}

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in an image, rootless.",
        discussion: """
        The image is mounted through FUSE by Vessel itself, in a user and mount namespace of \
        its own: no root, no setuid helper, no daemon, and no mount left behind however the \
        command ends. $HOME, the current directory, /tmp, /dev and /sys are bound in; the \
        image's Env applies. The exit status is the command's (128+N when signal N ended it); \
        125 when Vessel could not start it.

        Examples:
          vessel exec python.sqsh python3 train.py
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

    func run() throws { launch("exec") { try options.spec(image: image, mode: .exec, arguments: command) } }
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

    func run() throws { launch("run") { try options.spec(image: image, mode: .run, arguments: arguments) } }
}

struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Start an interactive shell in an image (bash if it has one, else sh).")

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The image.", valueName: "IMAGE.sqsh"))
    var image: String

    func run() throws { launch("shell") { try options.spec(image: image, mode: .shell, arguments: []) } }
}
