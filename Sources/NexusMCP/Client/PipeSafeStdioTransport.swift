import Foundation
import Logging
import MCP
import NexusTools
import SystemPackage

/// The SDK's stdio transport, except that writing to a server that has exited fails the call
/// with EPIPE instead of ending Nexus with SIGPIPE: the SDK writes on whatever thread its actor
/// runs, so its writes cannot be guarded; here each write runs with SIGPIPE blocked.
actor PipeSafeStdioTransport: Transport {
    nonisolated let logger: Logger
    private let inner: StdioTransport
    private let output: FileDescriptor
    private let relay = MessageRelay()
    private var pump: Task<Void, Never>?

    /// - Parameters:
    ///   - input: The server's standard output (read).
    ///   - output: The server's standard input (written).
    init(input: FileDescriptor, output: FileDescriptor) {
        inner = StdioTransport(input: input, output: output)
        self.output = output
        logger = inner.logger
    }

    func connect() async throws {
        // The SDK's transport reads the server's messages (and makes both ends non-blocking).
        try await inner.connect()
        pump = relay.relay(await inner.receive())
    }

    func disconnect() async {
        await inner.disconnect()
        pump?.cancel()
        relay.finish()
    }

    /// Writes one message and its newline delimiter.
    func send(_ data: Data) async throws {
        var remaining = data + [UInt8(ascii: "\n")]
        while !remaining.isEmpty {
            do {
                let written = try PipeSignal.blocked {
                    try remaining.withUnsafeBytes { try output.write(UnsafeRawBufferPointer($0)) }
                }
                remaining = remaining.dropFirst(written)
            } catch Errno.wouldBlock, Errno.resourceTemporarilyUnavailable {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                throw MCPError.transportError(error)
            }
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Swift.Error> { relay.messages }
}
