/// One event of a `text/event-stream` body.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, nil for the default `message` type.
    public var event: String?
    /// The `data:` lines of the event, joined with newlines.
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// Reads server-sent events from bytes that arrive in arbitrary pieces (a line or a UTF-8 character may be
/// split across network reads).
///
/// Follows the WHATWG event-stream rules: lines end in LF, CRLF or CR; a blank line ends an event; lines
/// starting with `:` are comments (keep-alive pings); one space after the field's colon is dropped; `id:`,
/// `retry:` and unknown fields are ignored; an event with no `data:` line is not dispatched.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var dropNextLineFeed = false
    private var dataLines: [String] = []
    private var hasData = false
    private var eventType: String?

    public init() {}

    /// Consumes the next piece of the body.
    /// - Parameter bytes: bytes as they arrived.
    /// - Returns: the events completed by these bytes, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if dropNextLineFeed {
                dropNextLineFeed = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            case UInt8(ascii: "\r"):
                dropNextLineFeed = true
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the body: a last event not followed by a blank line is dispatched rather than lost, since some
    /// servers close the connection right after their final `data:` line.
    /// - Returns: that event, if any.
    public mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            dispatch(into: &events)
            return
        }
        if first == UInt8(ascii: ":") { return }
        let field: String
        let value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = line.index(after: colon)
            if valueStart < line.endIndex && line[valueStart] == UInt8(ascii: " ") {
                valueStart = line.index(after: valueStart)
            }
            value = String(decoding: line[valueStart...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(value)
            hasData = true
        case "event":
            eventType = value.isEmpty ? nil : value
        default:
            break // id, retry and unknown fields carry nothing this client uses
        }
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            dataLines.removeAll()
            hasData = false
            eventType = nil
        }
        guard hasData else { return }
        events.append(ServerSentEvent(event: eventType, data: dataLines.joined(separator: "\n")))
    }
}
