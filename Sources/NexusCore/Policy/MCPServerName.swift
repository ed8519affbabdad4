/// The names MCP servers go by in `$NEXUS_HOME/mcp.json`, policies and tool names (`NAME.tool`):
/// short, and without the `.` that separates a server from its tool.
public enum MCPServerName {
    /// The rule, for messages.
    public static let rule = "1 to 32 letters, digits, '_' or '-'"

    public static func isValid(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// The server of a tool name `SERVER.TOOL`, when it names one.
    public static func server(ofTool tool: String) -> String? {
        guard let dot = tool.firstIndex(of: "."), dot != tool.index(before: tool.endIndex) else { return nil }
        let server = String(tool[..<dot])
        return isValid(server) ? server : nil
    }
}
