/// Slot states kept in host memory, so a prompt that comes back after its slot was given to
/// another request is restored by a copy instead of being evaluated again.
///
/// Each entry is the KV state of one sequence (`llama_state_seq_get_data`) and the tokens it
/// holds. Entries are kept least recently used first and dropped from there when the byte limit
/// is reached. Lives on the engine's thread, like the context the states come from.
struct PromptCache {
    struct Entry {
        var tokens: [Int32]
        var state: [UInt8]
    }

    /// Most bytes of state held; 0 turns the cache off.
    let byteLimit: Int
    /// Least recently used first.
    private(set) var entries: [Entry] = []
    private(set) var bytes = 0

    init(byteLimit: Int) {
        self.byteLimit = max(0, byteLimit)
    }

    var isEnabled: Bool { byteLimit > 0 }

    /// Whether an entry already holds `tokens` (they are a prefix of its tokens): saving them
    /// again would add nothing.
    func holds(_ tokens: [Int32]) -> Bool {
        entries.contains { commonPrefix($0.tokens, tokens) == tokens.count }
    }

    /// Keeps `state`, the sequence holding `tokens`. Entries whose tokens are a prefix of
    /// `tokens` are replaced by it; the oldest entries make room.
    mutating func insert(tokens: [Int32], state: [UInt8]) {
        guard !tokens.isEmpty, state.count <= byteLimit, !holds(tokens) else { return }
        entries.removeAll { commonPrefix($0.tokens, tokens) == $0.tokens.count }
        entries.append(Entry(tokens: tokens, state: state))
        bytes = entries.reduce(0) { $0 + $1.state.count }
        while bytes > byteLimit, let oldest = entries.first {
            bytes -= oldest.state.count
            entries.removeFirst()
        }
    }

    /// The entry sharing the longest prefix with `prompt`, if that prefix is longer than
    /// `reusable` (what the slot already holds). An entry of which the prompt would keep less
    /// than a quarter is passed over: copying a long state for a short shared start (a common
    /// system prompt) costs more than it saves. The entry found becomes the most recently used.
    mutating func bestMatch(for prompt: [Int32], longerThan reusable: Int) -> Entry? {
        var best: (index: Int, prefix: Int)?
        for (index, entry) in entries.enumerated() {
            let prefix = commonPrefix(entry.tokens, prompt)
            guard prefix > reusable, prefix * 4 >= entry.tokens.count else { continue }
            if prefix > best?.prefix ?? 0 {
                best = (index, prefix)
            }
        }
        guard let best else { return nil }
        let entry = entries.remove(at: best.index)
        entries.append(entry)
        return entry
    }

    mutating func removeAll() {
        entries = []
        bytes = 0
    }
}

/// Tokens at the start of `a` and `b` that are the same.
func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
    var count = 0
    let limit = min(a.count, b.count)
    while count < limit && a[count] == b[count] { count += 1 }
    return count
}
