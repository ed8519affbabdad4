import Foundation
public import MCP
public import NexusCore

/// Nexus's JSON values and the MCP SDK's are the same JSON; they cross through its text, so
/// numbers, nesting and escapes mean the same on both sides.
extension JSONValue {
    /// The MCP SDK's value for this JSON.
    public var mcpValue: MCP.Value {
        (try? JSONDecoder().decode(MCP.Value.self, from: Data(jsonText.utf8))) ?? .null
    }

    /// The JSON of an MCP SDK value; `.null` for what JSON cannot hold (raw data is written as its data URL).
    public init(mcp value: MCP.Value) {
        guard let data = try? JSONEncoder().encode(value), let text = String(data: data, encoding: .utf8),
              let parsed = try? JSONValue.parse(text) else {
            self = .null
            return
        }
        self = parsed
    }

    /// Arguments as MCP sends them (absent means none).
    public init(mcpArguments arguments: [String: MCP.Value]?) {
        self = JSONValue(mcp: .object(arguments ?? [:]))
    }
}
