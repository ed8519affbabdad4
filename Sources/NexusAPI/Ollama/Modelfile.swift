import Foundation
public import NexusCore

/// The parts of an Ollama Modelfile that `/api/create` honours: `FROM`, `SYSTEM` and `PARAMETER`.
public struct Modelfile: Sendable, Hashable {
    public var from: String?
    public var system: String?
    public var parameters: JSONObject = [:]

    /// - Throws: `NexusError(.invalidArgument)` naming the line it cannot use.
    public init(parsing text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        // Collected here and stored once: rebuilding the array per line was quadratic in the stop lines.
        var stops: [JSONValue] = []
        while let raw = lines.popFirst() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let instruction = parts[0].uppercased()
            var argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            if argument.hasPrefix("\"\"\"") {
                // A triple-quoted value may run over several lines.
                argument.removeFirst(3)
                while !argument.hasSuffix("\"\"\""), let next = lines.popFirst() { argument += "\n" + next }
                guard argument.hasSuffix("\"\"\"") else {
                    throw NexusError(.invalidArgument, "the Modelfile's \(instruction) value opened with \"\"\" is never closed")
                }
                argument.removeLast(3)
            } else if argument.count >= 2, argument.hasPrefix("\""), argument.hasSuffix("\"") {
                argument = String(argument.dropFirst().dropLast())
            }
            switch instruction {
            case "FROM": from = argument
            case "SYSTEM": system = argument
            case "PARAMETER":
                let pair = argument.split(separator: " ", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw NexusError(.invalidArgument, "the Modelfile line '\(line)' needs PARAMETER NAME VALUE") }
                // "nan" and "inf" read as Doubles, but no JSON number holds them: they stay text.
                let number = Double(pair[1]).flatMap { $0.isFinite ? $0 : nil }
                let value: JSONValue = number.map(JSONValue.number) ?? .string(pair[1])
                if pair[0] == "stop" {
                    // stop may repeat: every value is kept, under the key's first place.
                    if stops.isEmpty { parameters["stop"] = [] }
                    stops.append(.string(pair[1]))
                } else {
                    parameters[pair[0]] = value
                }
            default:
                throw NexusError(.invalidArgument, "the Modelfile instruction \(instruction) is not supported; use FROM, SYSTEM and PARAMETER")
            }
        }
        if !stops.isEmpty { parameters["stop"] = .array(stops) }
    }
}
