public import MCP

/// `server/discover` of the 2026-07-28 protocol: the versions, capabilities and identity of the
/// server, asked before (or instead of) anything else. A stateless client may send it first on
/// stdio too, to learn whether the server takes requests without `initialize`.
public enum ServerDiscover: MCP.Method {
    public static let name = "server/discover"
    /// The stateless protocol version; Nexus also speaks the SDK's session-based one.
    public static let statelessVersion = "2026-07-28"
    public static let supportedVersions = [Version.latest, statelessVersion]

    /// Only `_meta` is sent; anything is taken.
    public typealias Parameters = Value

    public struct Result: Codable, Hashable, Sendable {
        public var resultType = "complete"
        public var supportedVersions: [String]
        public var capabilities: Server.Capabilities
        public var serverInfo: Server.Info
        public var instructions: String?
    }
}
