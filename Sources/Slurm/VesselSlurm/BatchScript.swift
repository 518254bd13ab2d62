/// Batch scripts as `vessel submit` writes and reads them.
public enum BatchScript {
    /// The script for `vessel submit IMAGE -- CMD`: the batch step runs in the image (through the
    /// Slurm plugin); with more than one task the command goes through srun, whose tasks run in
    /// the image too.
    public static func running(_ command: [String], tasks: Int, image: String) -> String {
        let line = command.map(quote).joined(separator: " ")
        return """
        #!/bin/sh
        # Written by vessel submit: runs in \(image.replacingOccurrences(of: "\n", with: " "))
        \(tasks > 1 ? "exec srun " : "exec ")\(line)

        """
    }

    /// A word for sh, quoted only when it needs to be.
    public static func quote(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The `#SBATCH` options of a script, in order, as (name, value): `--gpus=2` and `-N 2` give
    /// ("gpus", "2") and ("N", "2"). Reading stops at the first command, as sbatch's does.
    public static func directives(_ script: String) -> [(name: String, value: String?)] {
        var out: [(String, String?)] = []
        for (n, raw) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if n == 0, line.hasPrefix("#!") { continue }
            if line.isEmpty { continue }
            guard line.hasPrefix("#") else { break }
            guard line.hasPrefix("#SBATCH") else { continue }
            var words = line.dropFirst("#SBATCH".count).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            // A comment after the options ends them.
            if let hash = words.firstIndex(where: { $0.hasPrefix("#") }) { words = Array(words[..<hash]) }
            var i = 0
            while i < words.count {
                let w = words[i]
                if w.hasPrefix("--") {
                    let body = w.dropFirst(2)
                    if let eq = body.firstIndex(of: "=") {
                        out.append((String(body[..<eq]), String(body[body.index(after: eq)...])))
                    } else if i + 1 < words.count, !words[i + 1].hasPrefix("-") {
                        out.append((String(body), words[i + 1]))
                        i += 1
                    } else {
                        out.append((String(body), nil))
                    }
                } else if w.hasPrefix("-"), w.count >= 2 {
                    let name = String(w.dropFirst().prefix(1)), attached = String(w.dropFirst(2))
                    if !attached.isEmpty {
                        out.append((name, attached.hasPrefix("=") ? String(attached.dropFirst()) : attached))
                    } else if i + 1 < words.count, !words[i + 1].hasPrefix("-") {
                        out.append((name, words[i + 1]))
                        i += 1
                    } else {
                        out.append((name, nil))
                    }
                }
                i += 1
            }
        }
        return out
    }
}

import Foundation
