public import NexusCore

/// Cuts tool output to a byte budget at a character boundary, saying what was cut.
public enum OutputLimit {
    /// The result with its content at most `maxBytes` UTF-8 bytes including the note that says so
    /// (or just the note when the budget is smaller than the note), `truncated` set when cut.
    /// - Parameters:
    ///   - result: A tool's result.
    ///   - maxBytes: The policy's `limits.outputBytes`.
    public static func apply(to result: ToolResult, maxBytes: Int) -> ToolResult {
        let size = result.content.utf8.count
        guard size > maxBytes else { return result }
        let note = "\n[output truncated: \(size) bytes, the policy allows \(maxBytes) per tool call]"
        let kept = prefix(result.content, maxBytes: max(0, maxBytes - note.utf8.count))
        return ToolResult(status: result.status, content: kept + note, truncated: true)
    }

    /// The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends between characters.
    public static func prefix(_ text: String, maxBytes: Int) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.count > maxBytes else { return text }
        var end = max(0, maxBytes)
        while end > 0, utf8[end] & 0b1100_0000 == 0b1000_0000 { end -= 1 }  // not inside a scalar
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}
