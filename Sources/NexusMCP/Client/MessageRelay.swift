import Foundation

/// The message stream a wrapping transport hands the MCP client: what its inner transport
/// receives, each message passed through a transform on the way.
struct MessageRelay: Sendable {
    let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation

    init() {
        (messages, sink) = AsyncThrowingStream.makeStream()
    }

    /// Relays `source` until it ends (or fails), each message through `transform`.
    func relay(_ source: AsyncThrowingStream<Data, any Error>,
               _ transform: @escaping @Sendable (Data) async -> [Data] = { [$0] }) -> Task<Void, Never> {
        let sink = self.sink
        return Task {
            do {
                for try await message in source {
                    for relayed in await transform(message) { sink.yield(relayed) }
                }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
    }

    func finish() {
        sink.finish()
    }
}
