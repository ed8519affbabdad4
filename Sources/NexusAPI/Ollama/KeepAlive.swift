public import NexusCore

/// How long a model stays loaded after a request (`keep_alive`): Ollama takes seconds as a number
/// or a duration text like "5m", "1h30m", "-1" (forever) or "0" (unload now).
public enum KeepAlive: Sendable, Hashable {
    case forever
    case seconds(Double)

    /// Ollama's default.
    public static let standard = KeepAlive.seconds(300)

    /// - Throws: `NexusError(.invalidArgument)` for an unreadable duration.
    public init(_ value: JSONValue) throws {
        if let number = value.numberValue {
            self = number < 0 ? .forever : .seconds(number)
            return
        }
        guard let text = value.stringValue else {
            throw NexusError(.invalidArgument, "'keep_alive' must be a number of seconds or a duration such as \"5m\"")
        }
        self = try Self.parse(text.trimmingCharacters(in: .whitespaces))
    }

    private static func parse(_ text: String) throws -> KeepAlive {
        if let number = Double(text) { return number < 0 ? .forever : .seconds(number) }
        if text.hasPrefix("-") { return .forever }
        let units: [Character: Double] = ["h": 3600, "m": 60, "s": 1]
        var total = 0.0
        var digits = ""
        var rest = Substring(text)
        while let character = rest.first {
            rest = rest.dropFirst()
            if character.isNumber || character == "." {
                digits.append(character)
            } else if character == "m", rest.first == "s", let value = Double(digits) {
                rest = rest.dropFirst()
                total += value / 1000
                digits = ""
            } else if let unit = units[character], let value = Double(digits) {
                total += value * unit
                digits = ""
            } else {
                throw notADuration(text)
            }
        }
        guard digits.isEmpty, !text.isEmpty else {
            throw notADuration(text)
        }
        return .seconds(total)
    }

    private static func notADuration(_ text: String) -> NexusError {
        NexusError(.invalidArgument, "'keep_alive' \"\(text)\" is not a duration; use seconds or forms like \"30s\", \"5m\", \"1h\", \"-1\"")
    }
}
