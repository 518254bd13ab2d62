import VesselBasics
import VesselRuntime
@_exported import VesselWire  // ContainerChoices, in QuickStart's interface

/// `vessel exec|run|shell` in their usual shapes, read without ArgumentParser. ArgumentParser
/// builds its parser by reflection, which costs about 2.5 ms of every container start, a tenth
/// of it (BENCHMARKS.md, run). What this does not take (help, a mistake, combined short flags,
/// an empty value or one that looks like an option, an option after the image, `--`) goes to
/// vessel-cli and its ArgumentParser, so help and messages stay its own. QuickStartTests check
/// that the two read the same.
public struct QuickStart: Equatable {
    public let mode: ContainerSpec.Mode
    public let choices: ContainerChoices
    public let image: String
    public let arguments: [String]

    /// The subcommand's name, for messages.
    public var name: String { mode == .exec ? "exec" : mode == .run ? "run" : "shell" }

    /// `arguments`: the command line without the program name.
    public init?(_ arguments: [String]) {
        // A switch, not a dictionary: a dictionary's first use costs type look-ups at run time.
        let mode: ContainerSpec.Mode
        switch arguments.first {
        case "exec": mode = .exec
        case "run": mode = .run
        case "shell": mode = .shell
        default: return nil
        }
        var c = ContainerChoices()
        var i = 1
        while i < arguments.count, arguments[i].hasPrefix("-") {
            var name = arguments[i]
            var attached: String?
            if name.hasPrefix("--"), let eq = name.firstIndex(of: "=") {
                attached = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            // An option's value: attached (--name=value) or the next argument.
            func value() -> String? {
                if let attached { return attached.isEmpty ? nil : attached }
                i += 1
                guard i < arguments.count, !arguments[i].isEmpty, !arguments[i].hasPrefix("-") else { return nil }
                return arguments[i]
            }
            func flag() -> Bool? { attached == nil ? true : nil }
            // The table says what the word is; ContainerChoices.take what it does.
            guard let option = ContainerOption.cli(named: name), let spelling = option.cli else { return nil }
            if spelling.kind == .flag {
                guard let f = flag(), f else { return nil }
                c.take(option.id, nil)
            } else {
                guard let v = value() else { return nil }
                c.take(option.id, v)
            }
            i += 1
        }
        // A registry image is pulled into the cache first: vessel-cli's work.
        guard i < arguments.count, !arguments[i].containsText("://") else { return nil }
        let rest = Array(arguments[(i + 1)...])
        if let next = rest.first, next.hasPrefix("-") { return nil }
        switch mode {
        case .exec: if rest.isEmpty { return nil }
        case .shell: if !rest.isEmpty { return nil }
        default: break
        }
        self.mode = mode
        self.choices = c
        self.image = arguments[i]
        self.arguments = rest
    }

    public func run() -> Never {
        launch(name) { try choices.spec(image: image, mode: mode, arguments: arguments) }
    }
}
