public import NexusCore

/// What Lua code may ask of Nexus during one call. Implementations run on the Lua thread and may
/// block it (they never run on the cooperative pool). A failure is a message that becomes a Lua
/// error the module can catch with `pcall`.
public protocol LuaHost: AnyObject, Sendable {
    /// `nexus.call(tool, arguments)`: the tool's content, or why the call failed or was refused.
    func callTool(_ name: String, arguments: JSONValue) -> Result<String, LuaHostFailure>
    /// `nexus.credential(name)`.
    func credential(_ name: String) -> Result<String, LuaHostFailure>
    /// `require(name)`: the content id and code of the dependency.
    func dependency(_ name: String) -> Result<(id: String, code: String), LuaHostFailure>
}

/// Why a host function refused; the message reaches the module as a Lua error.
public struct LuaHostFailure: Error, Sendable, Hashable {
    public var message: String
    /// The call crossed the module's declared capabilities or the caller's policy.
    public var refused: Bool

    public init(_ message: String, refused: Bool = false) {
        self.message = message
        self.refused = refused
    }
}
