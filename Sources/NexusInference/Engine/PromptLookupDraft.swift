/// Guesses the next tokens of a generation from its own context: when the last few tokens also
/// occur earlier (a file the model read and now writes out, a value it copies into an answer, a
/// tool call shaped like the previous one), the tokens that followed them there are likely to
/// follow again. The engine checks a guess in one batched decode and keeps the part the model
/// would have produced anyway, so a guess costs a little compute and never changes the output.
public struct PromptLookupDraft: Sendable {
    /// The longest and shortest run of tokens looked up.
    static let longestMatch = 4
    static let shortestMatch = 2
    static let largestDraft = 16

    /// How many tokens the next draft may hold: grows while drafts are accepted, shrinks when
    /// they are not, so text the context does not predict costs almost nothing.
    public private(set) var limit = 4

    public init() {}

    /// Up to `room` tokens that followed the latest earlier occurrence of the context's last
    /// tokens; empty when nothing matches.
    public func draft(after context: [Int32], room: Int) -> [Int32] {
        let size = min(limit, room)
        guard size > 0 else { return [] }
        let count = context.count
        for length in stride(from: Self.longestMatch, through: Self.shortestMatch, by: -1) where count > length {
            let suffix = context[(count - length)...]
            // Latest occurrence first: recent text is the likeliest to be copied again.
            var start = count - length - 1
            while start >= 0 {
                if context[start] == suffix.first!, context[start..<(start + length)].elementsEqual(suffix) {
                    let from = start + length
                    return Array(context[from..<min(from + size, count)])
                }
                start -= 1
            }
        }
        return []
    }

    /// Adapts the next draft's size to how much of this one the model took.
    public mutating func record(drafted: Int, taken: Int) {
        if taken == drafted {
            limit = min(limit * 2, Self.largestDraft)
        } else if taken == 0 {
            limit = max(limit / 2, 1)
        }
    }
}
