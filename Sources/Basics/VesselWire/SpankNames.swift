import VesselBasics

/// The names the Slurm plugin and the CLI agree on: how Slurm passes a plugin option to the
/// job's environment, and the variables that carry an image from the submitting side to the
/// nodes and the epilog.
public enum SpankNames {
    /// Slurm's spelling of a plugin option in the job's environment: this prefix, then the
    /// option's name with `-` as `_` (`container-image` -> `..._container_image`).
    public static let optionPrefix = "_SLURM_SPANK_OPTION_vessel_"

    public static func optionVariable(_ option: String) -> String {
        optionPrefix + option.replacingDashes()
    }

    /// The image as the user gave it, and the SquashFS file it was resolved to at submission.
    public static let image = "VESSEL_SPANK_IMAGE"
    public static let imagePath = "VESSEL_SPANK_IMAGE_PATH"
    /// For the epilog's provenance (`vessel collect`), set by `vessel submit`.
    public static let imageReference = "VESSEL_IMAGE_REF"
    public static let provenanceImagePath = "VESSEL_IMAGE_PATH"
    public static let imageDigest = "VESSEL_IMAGE_DIGEST"
    public static let command = "VESSEL_COMMAND"
}

/// The comment `vessel submit` gives a job, which `vessel jobs` and `vessel results` read back:
/// `vessel results=ROOT`.
public enum JobComment {
    public static func results(_ root: String) -> String { "vessel results=\(root)" }

    public static func resultsRoot(in comment: String?) -> String? {
        guard let c = comment, let r = c.rangeOfText("results=") else { return nil }
        return String(c[r.upperBound...].prefix { $0 != " " })
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
