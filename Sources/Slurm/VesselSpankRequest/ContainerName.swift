import VesselWire

/// `--container-name=NAME[:FLAG]`, Pyxis's named containers: a container kept on the node
/// under NAME (its writes in a kept overlay, see NamedContainers), which later steps start
/// from, and which a step naming it while it runs joins.
public struct ContainerName: Equatable, Sendable {
    public enum Flag: String, CaseIterable, Sendable {
        /// Join it when it runs, start from it when it exists, else make it (needs an image).
        case auto
        /// Make it; refused when it exists.
        case create
        /// Join it while it runs; refused when it does not run.
        case exec
        /// Never join: when it runs, wait for it to stop, then start from it.
        case noExec = "no_exec"
    }

    public let name: String
    public let flag: Flag

    /// A name is a file name on the node (a refusal says why; the caller names the option): letters, digits and ._- only, not starting with a dot.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        name = parts[0]
        guard !name.isEmpty else { throw BindSpec.Refusal(reason: "name a container") }
        guard !name.hasPrefix("."), name.utf8.count <= 128,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw BindSpec.Refusal(reason: "a name is letters, digits, '.', '_' and '-', not starting with '.'")
        }
        if parts.count == 2 {
            guard let f = Flag(rawValue: parts[1]) else {
                throw BindSpec.Refusal(reason: "the flag is one of auto, create, exec, no_exec")
            }
            flag = f
        } else {
            flag = .auto
        }
    }
}
