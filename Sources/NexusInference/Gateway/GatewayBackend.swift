import Foundation
public import NexusCore
import Synchronization

/// The gateway as a backend for one purpose and org: what the agent, the toolsmith and the
/// servers' callers hold. Text streams through as it comes. When an attempt breaks after text was
/// sent, the next attempt's text is checked against what was sent and only what extends it goes
/// out; if it answers differently the call fails (the client cannot unread text), never a
/// clean-looking truncated answer. Embeddings go through the `embed` purpose's routes, whatever
/// purpose the backend serves, so an agent's HOPE matching and the embedding APIs share them.
public struct GatewayBackend: InferenceBackend, EmbeddingBackend {
    public let gateway: Gateway
    public let purpose: GatewayPurpose
    public let org: String

    public var modelName: String { purpose.modelName }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let (purpose, sent) = (self.purpose, SentText())
        let task = Task {
            do {
                let result = try await serve(purpose) { backend, route, number in
                    try await Self.stream(request, from: backend, attempt: number, route: route, sent: sent, continuation)
                } usage: { ($0.usage.promptTokens, $0.usage.completionTokens) }
                continuation.yield(.done(result))
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func embed(_ texts: [String]) async throws -> EmbeddingResult {
        try await serve(.embed) { backend, route, _ in
            guard let embedder = backend as? any EmbeddingBackend else {
                throw NexusError(.invalidArgument, "\(route.model) cannot make embeddings; route embed to a local model in \(GatewayConfiguration.fileName)")
            }
            return try await embedder.embed(texts)
        } usage: { ($0.promptTokens, 0) }
    }

    /// One try of an operation on a route's backend; the attempt's number tells a fallback apart.
    typealias Operation<Result: Sendable> = @Sendable (_ backend: any InferenceBackend, _ route: GatewayConfiguration.Route,
                                                        _ attempt: Int) async throws -> Result

    /// Plans the call, tries its routes, and meters it however it ends.
    private func serve<Result: Sendable>(_ purpose: GatewayPurpose, _ operation: @escaping Operation<Result>,
                                         usage: (Result) -> (prompt: Int, completion: Int)) async throws -> Result {
        let clock = gateway.clock
        let start = clock.now()
        let (routes, retry) = try await gateway.plan(purpose, org: org)
        var call = GatewayCall(purpose: purpose, org: org, route: nil, attempts: [], seconds: 0, promptTokens: 0, completionTokens: 0, at: Date())
        do {
            let result = try await tryRoutes(routes, retry, &call, operation)
            (call.promptTokens, call.completionTokens) = usage(result)
            call.seconds = clock.now() - start
            await gateway.finish(call)
            return result
        } catch {
            call.seconds = clock.now() - start
            await gateway.finish(call)
            throw error
        }
    }

    private func tryRoutes<Result: Sendable>(_ routes: [GatewayConfiguration.Route], _ retry: GatewayConfiguration.Retry,
                                             _ call: inout GatewayCall, _ operation: @escaping Operation<Result>) async throws -> Result {
        let clock = gateway.clock
        var lastError: (any Error)?
        for route in routes {
            // A cooling route is tried only when every route before it failed, and then once.
            let tries = await gateway.isCooling(route) ? 1 : retry.attempts
            for number in 1...tries {
                let begun = clock.now()
                do {
                    let result = try await attempt(call.attempts.count, on: route, operation)
                    call.attempts.append(.init(route: route.model, outcome: "ok", error: nil, seconds: clock.now() - begun))
                    await gateway.note(route, failed: false)
                    call.route = route.model
                    return result
                } catch let error as GatewayDivergence {
                    call.attempts.append(.init(route: route.model, outcome: "terminal", error: error.message, seconds: clock.now() - begun))
                    throw NexusError(.backendUnavailable, error.message)
                } catch {
                    try Task.checkCancellation()
                    if error is CancellationError { throw error }
                    lastError = error
                    let kind = GatewayFailureClass.of(error)
                    let message = (error as? NexusError)?.message ?? "\(error)"
                    call.attempts.append(.init(route: route.model, outcome: kind.rawValue, error: message, seconds: clock.now() - begun))
                    await gateway.note(route, failed: kind == .retryable)
                    guard kind == .retryable, number < tries else { break }
                    try await clock.sleep(retry.delay(after: number, random: clock.random()))
                }
            }
        }
        // One route tried once: its own error, unchanged (a context overflow stays the caller's 400).
        if call.attempts.count == 1, let lastError { throw lastError }
        let code = call.attempts.allSatisfy { $0.outcome == GatewayFailureClass.terminal.rawValue }
            ? (lastError as? NexusError)?.code ?? .backendUnavailable : .backendUnavailable
        let tried = call.attempts.map { "\($0.route) (\($0.outcome)): \($0.error ?? "")" }.joined(separator: "; ")
        throw NexusError(code,
                         "no route could serve the \(call.purpose.rawValue) request after \(call.attempts.count) attempts: \(tried); check the routes in \(GatewayConfiguration.fileName)")
    }

    /// One try on one route, within its time limit.
    private func attempt<Result: Sendable>(_ number: Int, on route: GatewayConfiguration.Route,
                                           _ operation: @escaping Operation<Result>) async throws -> Result {
        let backend = try await gateway.backend(for: route)
        let clock = gateway.clock
        let seconds = route.timeoutSeconds
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await operation(backend, route, number) }
            group.addTask {
                try await clock.sleep(seconds)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                try Task.checkCancellation()
                throw GatewayTimeout(seconds: seconds)
            }
            return result
        }
    }

    /// Streams one attempt's text to the caller as far as it extends what was sent.
    private static func stream(_ request: GenerationRequest, from backend: any InferenceBackend, attempt number: Int,
                               route: GatewayConfiguration.Route, sent: SentText,
                               _ continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws -> GenerationResult {
        var produced = ""
        for try await event in backend.generate(request) {
            switch event {
            case .text(let piece):
                produced += piece
                if let fresh = try sent.extend(attempt: number, to: produced, piece: piece, route: route.model) {
                    continuation.yield(.text(fresh))
                }
            case .done(let result):
                return result
            }
        }
        try Task.checkCancellation()
        throw NexusError(.backendUnavailable, "\(route.model) ended without a result")
    }
}

/// The text the caller has already received in this call, across attempts.
final class SentText: Sendable {
    private struct State {
        var text = ""
        /// The attempt whose output `text` is; its pieces go straight out.
        var owner: Int?
    }

    private let state = Mutex(State())

    /// What of `produced` (attempt `number`'s text so far, ending in `piece`) is new to the caller.
    /// - Throws: ``GatewayDivergence`` when it contradicts what was sent.
    func extend(attempt number: Int, to produced: String, piece: String, route: String) throws -> String? {
        try state.withLock { state in
            if state.owner == number || state.text.isEmpty {
                state.owner = number
                state.text += piece
                return piece
            }
            // A later attempt replays text the caller has: it must agree with it, and only what
            // goes past it is sent.
            let sentBytes = state.text.utf8.count
            let overlap = min(produced.utf8.count, sentBytes)
            guard produced.utf8.prefix(overlap).elementsEqual(state.text.utf8.prefix(overlap)) else {
                throw GatewayDivergence(message:
                    "an earlier route broke off mid-answer and \(route) answered differently after \(sentBytes) bytes were sent; send the request again")
            }
            guard produced.utf8.count > sentBytes else { return nil }
            state.owner = number
            state.text = produced
            return String(decoding: produced.utf8.dropFirst(sentBytes), as: UTF8.self)
        }
    }
}

/// A fallback whose answer contradicts text already streamed: the call cannot be completed.
struct GatewayDivergence: Error {
    var message: String
}
