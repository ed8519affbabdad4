import Foundation
import Logging
import MCP
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streamable HTTP for a remote MCP server, as the SDK's `HTTPClientTransport` does it, plus the
/// part that transport lacks on Linux: a reply sent as an event stream (`text/event-stream`, what
/// most servers send by default) reaches it whole, as SSE text, not as JSON-RPC messages. Each
/// reply body is split here into the messages its events carry.
actor SSEReplyTransport: Transport {
    nonisolated let logger: Logger
    private let inner: HTTPClientTransport
    private let relay = MessageRelay()
    private var pump: Task<Void, Never>?

    /// - Parameters:
    ///   - endpoint: The server's MCP endpoint.
    ///   - headers: Headers every request carries (a credential, typically).
    init(endpoint: URL, headers: [String: String]) {
        let configuration = URLSessionConfiguration.ephemeral
        // A call's own deadline (the policy's wall_seconds) bounds it; URLSession's 60 s must not.
        configuration.timeoutIntervalForRequest = 24 * 3600
        configuration.timeoutIntervalForResource = 24 * 3600
        inner = HTTPClientTransport(endpoint: endpoint, configuration: configuration, streaming: false, requestModifier: { request in
            var request = request
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            return request
        })
        logger = inner.logger
    }

    func connect() async throws {
        try await inner.connect()
        let inner = self.inner
        pump = relay.relay(await inner.receive()) { body in
            let messages = EventStreamBody.messages(in: body)
            for message in messages { await Self.noteProtocolVersion(in: message, to: inner) }
            return messages
        }
    }

    func disconnect() async {
        await inner.disconnect()
        pump?.cancel()
        relay.finish()
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Swift.Error> { relay.messages }

    /// Tells the HTTP transport the protocol version the server chose in its reply to
    /// `initialize`, so later requests name it (the SDK does this only for its own transport type).
    private static func noteProtocolVersion(in message: Data, to transport: HTTPClientTransport) async {
        guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any],
              let result = object["result"] as? [String: Any], result["serverInfo"] != nil,
              let version = result["protocolVersion"] as? String else { return }
        await transport.updateNegotiatedProtocolVersion(version)
    }
}
