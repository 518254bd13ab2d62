import Glibc
import VesselBasics

/// How an Apptainer/Singularity image says it runs, read from its /.singularity.d: the
/// environment from the env scripts Apptainer writes for the image (the image's Docker ENV,
/// %environment), its runscript as the command `vessel run` runs, and its labels. Used for
/// .sif files run in place and converted (`vessel build OUT sif:FILE`), where there is no
/// /.vessel/config.json.
///
/// The env scripts are shell; Vessel takes their plain assignments (`[export ]NAME=VALUE`,
/// VALUE bare, "double-quoted" with $NAME and ${NAME} of earlier ones expanded, or
/// 'single-quoted'), which is what `apptainer build` writes from an image's ENV, and says
/// which lines it left out (conditionals, commands). Apptainer's own base scripts (01-base,
/// 94-appsbase, 95-apps, 99-base, 99-runtimevars) set its prompt and SCIF apps, and are not read.
public enum SingularityMetadata {
    public static let directory = "/.singularity.d"
    static let envScripts = ["10-docker2singularity.sh", "90-environment.sh", "91-environment.sh"]
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The configuration, with notes on the lines left out; nil when the image has no
    /// /.singularity.d (it is then neither a Vessel nor an Apptainer image).
    public static func runtimeConfig(platform: String, read: (String) throws -> [UInt8]?) throws -> (config: RuntimeConfig, notes: [String])? {
        var found = false
        var env = Environment()
        for name in envScripts {
            guard let bytes = try read("\(directory)/env/\(name)") else { continue }
            found = true
            env.read(String(decoding: bytes, as: UTF8.self), file: "\(directory)/env/\(name)")
        }
        let runscript = try read("\(directory)/runscript")
        let labelBytes = try read("\(directory)/labels.json")
        guard found || runscript != nil || labelBytes != nil else { return nil }
        let labels = labelBytes.flatMap { (try? PlainJSON.parse($0))?.object }?.compactMapValues(\.string) ?? [:]
        let config = RuntimeConfig(env: env.assignments.map { "\($0.name)=\($0.value)" },
                                   entrypoint: runscript == nil ? nil : ["\(directory)/runscript"],
                                   labels: labels, platform: platform)
        return (config, env.notes)
    }

    struct Environment {
        var assignments: [(name: String, value: String)] = []
        var notes: [String] = []

        func value(_ name: String) -> String? {
            assignments.first { $0.name == name }?.value ?? (name == "PATH" ? SingularityMetadata.defaultPath : nil)
        }

        mutating func set(_ name: String, _ value: String) {
            if let i = assignments.firstIndex(where: { $0.name == name }) { assignments[i].value = value } else { assignments.append((name, value)) }
        }

        mutating func read(_ text: String, file: String) {
            // Assignments inside if/for/while/case are conditional: left out, with the block.
            var depth = 0
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmed()
                if line.isEmpty || line.hasPrefix("#") { continue }
                let word = line.prefix { $0 != " " && $0 != ";" }
                if ["if", "for", "while", "until", "case"].contains(word) { depth += 1 }
                if depth > 0 {
                    notes.append("\(file):\(number + 1): inside a conditional or loop; left out: \(line)")
                    if ["fi", "done", "esac"].contains(word) || line.hasSuffix("; fi") || line.hasSuffix("; done") { depth -= 1 }
                    continue
                }
                var body = Substring(line)
                if body.hasPrefix("export ") { body = body.dropFirst(7).drop { $0 == " " } }
                guard let eq = body.firstIndex(of: "="), Self.isName(body[..<eq]),
                      let value = expand(body[body.index(after: eq)...]) else {
                    // `export NAME` alone exports what an assignment set: nothing to take.
                    if line.hasPrefix("export "), body.split(separator: " ").allSatisfy({ Self.isName($0) }) { continue }
                    notes.append("\(file):\(number + 1): not a plain assignment; left out: \(line)")
                    continue
                }
                set(String(body[..<eq]), value)
            }
        }

        static func isName(_ s: Substring) -> Bool {
            guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
            return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
        }

        /// A value as the shell would give it, or nil when it needs more than quotes and $NAME.
        func expand(_ text: Substring) -> String? {
            if text.hasPrefix("'") {
                guard text.count >= 2, text.hasSuffix("'"), !text.dropFirst().dropLast().contains("'") else { return nil }
                return String(text.dropFirst().dropLast())
            }
            var body = text
            if text.hasPrefix("\"") {
                guard text.count >= 2, text.hasSuffix("\"") else { return nil }
                body = text.dropFirst().dropLast()
            } else if text.contains(where: { " \t;|&<>()`\"'\\".contains($0) }) {
                return nil
            }
            if body.contains(where: { "`\\\"".contains($0) }) || body.containsText("$(") { return nil }
            var out = ""
            var rest = body
            while let dollar = rest.firstIndex(of: "$") {
                out += rest[..<dollar]
                rest = rest[rest.index(after: dollar)...]
                var name: Substring
                if rest.hasPrefix("{") {
                    guard let close = rest.firstIndex(of: "}") else { return nil }
                    name = rest[rest.index(after: rest.startIndex)..<close]
                    rest = rest[rest.index(after: close)...]
                } else {
                    name = rest.prefix { $0 == "_" || $0.isLetter || $0.isNumber }
                    rest = rest.dropFirst(name.count)
                }
                guard Self.isName(name) else { return nil }
                out += value(String(name)) ?? ""
            }
            return out + rest
        }
    }
}

extension RuntimeConfig {
    /// A configuration made by Vessel rather than read from an image's OCI config.
    public init(env: [String], entrypoint: [String]?, labels: [String: String], platform: String) {
        self.env = env
        self.entrypoint = entrypoint
        cmd = nil
        workingDir = nil
        user = nil
        self.labels = labels
        stopSignal = nil
        self.platform = platform
        volumes = nil
    }
}
