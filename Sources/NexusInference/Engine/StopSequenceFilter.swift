/// Turns generated token bytes into text that is safe to show: whole UTF-8 characters only, and
/// nothing that might be the start of a stop sequence until it is clear it is not.
struct StopSequenceFilter: Sendable {
    let stops: [String]
    private var pendingBytes: [UInt8] = []
    private var held = ""

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    /// Adds a token's bytes; returns the text that can be released and whether a stop sequence
    /// matched (the stop sequence itself and anything after it are dropped).
    mutating func append(_ bytes: [UInt8]) -> (text: String, stopped: Bool) {
        pendingBytes += bytes
        let complete = Self.completeUTF8Prefix(pendingBytes)
        let candidate = held + String(decoding: pendingBytes[..<complete], as: UTF8.self)
        pendingBytes.removeFirst(complete)

        if let cut = earliestStop(in: candidate) {
            held = ""
            return (String(candidate[..<cut]), true)
        }
        let holdCount = longestStopPrefixSuffix(of: candidate)
        let releaseEnd = candidate.index(candidate.endIndex, offsetBy: -holdCount)
        held = String(candidate[releaseEnd...])
        return (String(candidate[..<releaseEnd]), false)
    }

    /// Releases whatever is still held back once generation has ended without a stop.
    mutating func flush() -> String {
        let text = held + String(decoding: pendingBytes, as: UTF8.self)
        held = ""
        pendingBytes = []
        return text
    }

    private func earliestStop(in text: String) -> String.Index? {
        stops.compactMap { text.range(of: $0)?.lowerBound }.min()
    }

    /// How many trailing characters of `text` could begin a stop sequence.
    private func longestStopPrefixSuffix(of text: String) -> Int {
        var longest = 0
        for stop in stops {
            var length = min(stop.count - 1, text.count)
            while length > longest {
                if text.hasSuffix(stop.prefix(length)) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }

    /// The length of the longest prefix of `bytes` that ends on a character boundary.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // Walk back over at most three continuation bytes to the lead byte of the last character.
        var continuation = 0
        while index > 0 && continuation < 4 {
            let byte = bytes[index - 1]
            if byte & 0xC0 == 0x80 {
                continuation += 1
                index -= 1
                continue
            }
            let needed: Int
            switch byte {
            case 0..<0x80: needed = 0
            case 0xC0..<0xE0: needed = 1
            case 0xE0..<0xF0: needed = 2
            default: needed = 3
            }
            return continuation >= needed ? bytes.count : index - 1
        }
        return bytes.count
    }
}
