import Foundation
import NexusAPI
import NexusCore
import NexusInference
import NexusStore

/// What both APIs call: admission (limits and quotas, then a place in the queue), a model lease,
/// the generation itself, and its accounting. The Ollama and OpenAI routes differ only in how
/// they read requests and write answers.
struct InferenceService: Sendable {
    let pool: ModelPool
    /// Serves the `gateway:PURPOSE` models; its local routes lease from `pool`.
    let gateway: Gateway
    let gate: GenerationGate
    let metrics: ServerMetrics
    let catalog: ModelCatalog
    let governor: UsageGovernor

    /// Admits a request for `model` under `account`'s limits and holds the model loaded until
    /// the lease is released.
    /// - Throws: ``LimitRefusal`` (429); `NexusError(.overloaded)` when the queue is full; the
    ///   loader's errors (`.modelNotFound`).
    func lease(model: String, keepAlive: KeepAlive?, account: UsageAccount) async throws -> ModelLease {
        let ticket = try await governor.admit(account, UsageCost(requests: 1, runUnits: RunUnits.perRequest))
        let governor = self.governor
        do {
            try await gate.enter()
            do {
                let metering = ModelLease.Metering(ticket: ticket, account: account, governor: governor)
                let gate = self.gate
                if let purpose = GatewayPurpose(routing: model) {
                    // The gateway's routes lease their own models, each for its own attempt.
                    return ModelLease(backend: gateway.backend(for: purpose, org: account.org), loadSeconds: 0, metering: metering) {
                        await gate.leave()
                        metering.settle(nil)
                    }
                }
                let (backend, loadSeconds) = try await pool.acquire(model)
                let pool = self.pool
                return ModelLease(backend: backend, loadSeconds: loadSeconds, metering: metering) {
                    await pool.release(model, keepAlive: keepAlive)
                    await gate.leave()
                    metering.settle(nil)
                }
            } catch {
                await gate.leave()
                throw error
            }
        } catch {
            governor.settle(ticket, nil)
            throw error
        }
    }

    /// A backend for an agent run of `org` on `model` (a stored name or `gateway:PURPOSE`), held
    /// until `release` is called.
    func runBackend(model: String, org: String) async throws -> (backend: any InferenceBackend, release: @Sendable () async -> Void) {
        if let purpose = GatewayPurpose(routing: model) {
            return (gateway.backend(for: purpose, org: org), {})
        }
        let pool = self.pool
        let (backend, _) = try await pool.acquire(model)
        return (backend, { await pool.release(model, keepAlive: nil) })
    }

    /// The model an agent run takes when its request names none: the gateway's `agent` routes
    /// when a `gateway.json` sets them, else the server's default model.
    func defaultRunModel(_ configuration: ServerConfiguration) -> String {
        GatewayConfiguration.exists(home: configuration.home)
            ? GatewayPurpose.agent.modelName : configuration.defaultModel
    }

    /// The request with the model's own defaults (system prompt of a created model) applied.
    func prepared(_ request: GenerationRequest, model: ModelEntry) -> GenerationRequest {
        guard let system = model.system, case .chat(let messages) = request.prompt,
              !messages.contains(where: { $0.role == .system }) else {
            return request
        }
        var prepared = request
        prepared.prompt = .chat([.system(system)] + messages)
        return prepared
    }

    /// Streams the generation; its tokens are reserved first when a limit counts them, metered
    /// when it ends, and the lease is released however it ends.
    func generate(_ request: GenerationRequest, model entry: ModelEntry, lease: ModelLease) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let (metrics, governor) = (self.metrics, self.governor)
        let prepared = prepared(request, model: entry)
        let model = entry.name
        let task = Task {
            defer { Task { await lease.release() } }
            do {
                if let metering = lease.metering, metering.ticket.countsTokens {
                    let tokens = try await Self.reservation(for: prepared, on: lease.backend)
                    try await governor.extend(metering.ticket, UsageCost(tokens: tokens))
                }
                for try await event in lease.backend.generate(prepared) {
                    if case .done(let result) = event {
                        metrics.recordGeneration(model: model, usage: result.usage)
                        if let metering = lease.metering {
                            metering.settle(metering.event(model: model, prompt: result.usage.promptTokens,
                                                                 completion: result.usage.completionTokens))
                        }
                    }
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Embeddings of `inputs` with `model`.
    /// - Throws: `NexusError(.invalidArgument)` when the model cannot embed or an input is empty; ``LimitRefusal``.
    func embed(_ inputs: [String], model: String, keepAlive: KeepAlive?, account: UsageAccount) async throws -> (EmbeddingResult, RequestTiming) {
        // Checked before the model is leased: a bad input must not cost a model load.
        if inputs.contains(where: \.isEmpty) {
            throw NexusError(.invalidArgument, "cannot embed an empty text; remove it from the input")
        }
        let started = ContinuousClock.now
        let lease = try await lease(model: model, keepAlive: keepAlive, account: account)
        defer { Task { await lease.release() } }
        guard let embedder = lease.backend as? any EmbeddingBackend else {
            throw NexusError(.invalidArgument, "model '\(model)' cannot make embeddings; use a local GGUF model")
        }
        if let metering = lease.metering, metering.ticket.countsTokens {
            // No more tokens than bytes, plus the two each text's start and end may add.
            try await governor.extend(metering.ticket, UsageCost(tokens: inputs.reduce(0) { $0 + $1.utf8.count + 2 }))
        }
        let result = try await embedder.embed(inputs)
        metrics.recordGeneration(model: model, usage: GenerationUsage(promptTokens: result.promptTokens))
        if let metering = lease.metering {
            metering.settle(metering.event(model: model, prompt: result.promptTokens, completion: 0))
        }
        return (result, RequestTiming(loadSeconds: lease.loadSeconds, totalSeconds: (ContinuousClock.now - started).inSeconds))
    }

    /// The most tokens a generation of `request` can use: its prompt as the model counts it and
    /// `max_tokens` (or the rest of the context). A backend that cannot count (a remote or
    /// scripted one) is reserved one token per byte of the prompt, and 4096 when no
    /// `max_tokens` is given.
    static func reservation(for request: GenerationRequest, on backend: any InferenceBackend) async throws -> Int {
        if let measuring = backend as? any PromptMeasuring {
            let prompt = try await measuring.promptTokenCount(request)
            let context = await measuring.contextTokens
            return prompt + min(request.maxTokens ?? context, max(0, context - prompt))
        }
        return request.promptTokenBound + (request.maxTokens ?? 4096)
    }
}

extension ModelLease.Metering {
    /// The usage event of the request this lease serves.
    func event(model: String, prompt: Int, completion: Int) -> UsageEvent {
        UsageEvent(idempotencyKey: "req:\(account.requestID)", org: account.org, keyID: account.keyID, model: model, kind: .request,
                   promptTokens: prompt, completionTokens: completion, runUnits: RunUnits.perRequest)
    }
}
