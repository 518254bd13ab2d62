/// What a client and the image gateway (`vessel gateway`) say over its UNIX socket: one request
/// line, then reply lines, each `KIND\tTEXT\n`.
///
///     client:  RESOLVE\t<docker:// reference>\t<platform, or ->
///     gateway: WAIT\t<why>          (any number: converting, waiting for another conversion)
///              IMAGE\t<path>        (the converted image, a file of the gateway's user) or
///              ERROR\t<one line>    (the request refused, or the image could not be had)
///
/// A request is at most `maximumRequest` bytes and holds no control characters; the gateway
/// reads it with a deadline and answers anything else with one ERROR line.
public enum GatewayMessage: Equatable, Sendable {
    case resolve(reference: String, platform: String?)
    case wait(String)
    case image(String)
    case error(String)

    public static let maximumRequest = 4096
    /// The most of one reply line a client reads (a path, or one line of error).
    public static let maximumReply = 16384

    public var line: String {
        switch self {
        case .resolve(let reference, let platform): return "RESOLVE\t\(reference)\t\(platform ?? "-")\n"
        case .wait(let text): return "WAIT\t\(Self.oneLine(text))\n"
        case .image(let path): return "IMAGE\t\(Self.oneLine(path))\n"
        case .error(let text): return "ERROR\t\(Self.oneLine(text))\n"
        }
    }

    /// One line, without its newline; nil when it is not one of the messages.
    public init?(line raw: Substring) {
        let fields = raw.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2, !raw.contains(where: { $0.isASCII && $0.asciiValue! < 0x20 && $0 != "\t" }) else { return nil }
        switch (fields[0], fields.count) {
        case ("RESOLVE", 3):
            guard !fields[1].isEmpty, !fields[2].isEmpty else { return nil }
            self = .resolve(reference: fields[1], platform: fields[2] == "-" ? nil : fields[2])
        case ("WAIT", 2): self = .wait(fields[1])
        case ("IMAGE", 2): self = .image(fields[1])
        case ("ERROR", 2): self = .error(fields[1])
        default: return nil
        }
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 })
    }
}
