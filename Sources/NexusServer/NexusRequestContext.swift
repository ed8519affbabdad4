public import Hummingbird
public import NIOCore

/// The context of one request: Hummingbird's core storage, the connection (a closed connection
/// cancels the request's work) and, once the auth middleware ran, who is calling.
public struct NexusRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    /// The caller's role, or nil for a request without a key (allowed only where the matrix says so).
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Who made a request: the key's id and role.
public struct Caller: Sendable, Hashable {
    public var keyID: String
    public var role: String

    public init(keyID: String, role: String) {
        self.keyID = keyID
        self.role = role
    }
}
