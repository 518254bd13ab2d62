import Glibc

/// Text helpers the start path needs without Foundation (whose String extensions come with ICU).
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (and, with `newlines`, line ends), as
    /// `trimmingCharacters(in: .whitespaces)` for the ASCII text config files hold.
    public func trimmed(newlines: Bool = false) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || (newlines && ($0 == "\n" || $0 == "\r\n" || $0 == "\r")) }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension String {
    /// Every occurrence of `target` replaced, as Foundation's `replacingOccurrences(of:with:)`
    /// (the standard library's `replacing` brings the regex engine, a megabyte, into the front).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.rangeOfText(target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

extension StringProtocol {
    /// The first occurrence of `target`, by characters, as Foundation's `range(of:)` (the
    /// standard library's `firstRange(of:)` and `contains(_:)` bring the regex engine too).
    public func rangeOfText(_ target: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }

    /// Whether `target` occurs in it, as Foundation's `contains(_:)` for strings.
    public func containsText(_ target: String) -> Bool { target.isEmpty || rangeOfText(target) != nil }
}

extension PlainSystem {
    /// One line (or more) on standard error, written whole.
    public static func warn(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(2, raw.baseAddress! + done, raw.count - done)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return }
                done += n
            }
        }
    }
}
