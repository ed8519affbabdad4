import Foundation
public import NexusCore
import Synchronization

/// The gateway as a backend for one purpose and org: what the agent, the toolsmith and the
/// servers' callers hold. Text streams through as it comes. When an attempt breaks after text was
/// sent, the next attempt's text is checked against what was sent and only what extends it goes
/// out; if it answers differently the call fails (the client cannot unread text), never a
/// clean-looking truncated answer.
public struct GatewayBackend: InferenceBackend {
    public let gateway: Gateway
    public let purpose: GatewayPurpose
    public let org: String

    public var modelName: String { "gateway:\(purpose.rawValue)" }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let task = Task {
            do {
                let result = try await serve(request, continuation)
                continuation.yield(.done(result))
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Plans the call, tries its routes, and meters it however it ends.
    private func serve(_ request: GenerationRequest,
                       _ continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws -> GenerationResult {
        let clock = gateway.clock
        let start = clock.now()
        let (routes, retry) = try await gateway.plan(purpose, org: org)
        var call = GatewayCall(purpose: purpose, org: org, route: nil, attempts: [], seconds: 0, promptTokens: 0, completionTokens: 0, at: Date())
        do {
            let result = try await tryRoutes(routes, retry, request, &call, continuation)
            call.seconds = clock.now() - start
            await gateway.finish(call)
            return result
        } catch {
            call.seconds = clock.now() - start
            await gateway.finish(call)
            throw error
        }
    }

    private func tryRoutes(_ routes: [GatewayConfiguration.Route], _ retry: GatewayConfiguration.Retry, _ request: GenerationRequest,
                           _ call: inout GatewayCall,
                           _ continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws -> GenerationResult {
        let clock = gateway.clock
        let sent = SentText()
        var lastError: (any Error)?
        for route in routes {
            // A cooling route is tried only when every route before it failed, and then once.
            let tries = await gateway.isCooling(route) ? 1 : retry.attempts
            for number in 1...tries {
                let begun = clock.now()
                do {
                    let result = try await attempt(call.attempts.count, request, on: route, sent: sent, continuation)
                    call.attempts.append(.init(route: route.model, outcome: "ok", error: nil, seconds: clock.now() - begun))
                    await gateway.note(route, failed: false)
                    call.route = route.model
                    call.promptTokens = result.usage.promptTokens
                    call.completionTokens = result.usage.completionTokens
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
                         "no route could serve the \(purpose.rawValue) request after \(call.attempts.count) attempts: \(tried); check the routes in \(GatewayConfiguration.fileName)")
    }

    /// One try on one route, within its time limit.
    private func attempt(_ number: Int, _ request: GenerationRequest, on route: GatewayConfiguration.Route, sent: SentText,
                         _ continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws -> GenerationResult {
        let backend = try await gateway.backend(for: route)
        let clock = gateway.clock
        let seconds = route.timeoutSeconds
        return try await withThrowingTaskGroup(of: GenerationResult?.self) { group in
            group.addTask {
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
