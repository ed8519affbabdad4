public import Foundation

/// A reply body of Streamable HTTP: either one JSON-RPC message, or an event stream whose events
/// carry the messages in their `data` lines.
public enum EventStreamBody {
    /// The JSON-RPC messages of one reply body: the body itself when it is JSON, else the data of
    /// each of its server-sent events (an event without data, such as a priming event, carries none).
    public static func messages(in body: Data) -> [Data] {
        let first = body.first { !(Character(UnicodeScalar($0)).isWhitespace) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return [body] }
        var found: [Data] = []
        var data: [Substring] = []
        // An event whose data is empty (a priming event, say) is not a message.
        func dispatch() {
            let message = data.joined(separator: "\n")
            if !message.isEmpty { found.append(Data(message.utf8)) }
            data = []
        }
        let text = String(decoding: body, as: UTF8.self)
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if line.isEmpty {
                dispatch()
            } else if line == "data" || line.hasPrefix("data:") {
                var value = line.dropFirst(4)
                if value.first == ":" { value = value.dropFirst() }
                if value.first == " " { value = value.dropFirst() }
                data.append(value)
            }
            // event:, id:, retry: and comments (":…") carry no message.
        }
        dispatch()
        return found
    }
}
