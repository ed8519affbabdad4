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
    /// The request's id (also sent back as `X-Request-ID`), set by the edge.
    var requestID = ""
    /// Headers that the helpers a handler calls add to the response (rate-limit state), whatever its status.
    let responseHeaders = ResponseHeaders()

    /// Who the request's usage counts against.
    var usageAccount: UsageAccount {
        UsageAccount(caller: caller, requestID: requestID, headers: responseHeaders)
    }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
