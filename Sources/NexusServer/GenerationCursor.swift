import NIOCore
import NexusCore

/// Reads a generation's events one at a time, first in the handler and then in the response body.
///
/// `start()` waits for the first event before any byte is sent, so a request that fails before it
/// produces anything (a prompt too long for the context, a schema the engine rejects) gets its 4xx
/// status instead of an error inside a 200 stream.
final class GenerationCursor: @unchecked Sendable {
    // Only one task reads at a time: the handler until it returns, then the response body.
    private var iterator: AsyncThrowingStream<GenerationEvent, any Error>.AsyncIterator
    private var peeked: GenerationEvent?

    init(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) {
        iterator = stream.makeAsyncIterator()
    }

    func start() async throws {
        peeked = try await iterator.next()
    }

    func next() async throws -> GenerationEvent? {
        if let event = peeked {
            peeked = nil
            return event
        }
        return try await iterator.next()
    }

    /// Reads to the end and returns the result.
    func result() async throws -> GenerationResult {
        while let event = try await next() {
            if case .done(let result) = event { return result }
        }
        throw NexusError(.inferenceFailed, "the generation ended without a result; try again")
    }
}

/// Runs `work`, cancelling it if the client closes the connection first (a non-streaming request
/// has no write that would fail, so the connection is watched instead).
func cancellingOnDisconnect<Value: Sendable>(_ channel: any Channel, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
    let task = Task { try await work() }
    channel.closeFuture.whenComplete { _ in task.cancel() }
    return try await withTaskCancellationHandler {
        try await task.value
    } onCancel: {
        task.cancel()
    }
}
