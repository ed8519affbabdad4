public import Hummingbird
public import NIOCore
public import NexusCore

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
