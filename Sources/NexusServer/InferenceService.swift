import Foundation
import NexusAPI
import NexusCore
import NexusInference

/// What both APIs call: admission, a model lease, the generation itself, and its accounting.
/// The Ollama and OpenAI routes differ only in how they read requests and write answers.
struct InferenceService: Sendable {
    let pool: ModelPool
    let gate: GenerationGate
    let metrics: ServerMetrics
    let catalog: ModelCatalog

    /// Admits a request for `model` and holds the model loaded until the lease is released.
    /// - Throws: `NexusError(.overloaded)` when the queue is full; the loader's errors (`.modelNotFound`).
    func lease(model: String, keepAlive: KeepAlive?) async throws -> ModelLease {
        try await gate.enter()
        do {
            let (backend, loadSeconds) = try await pool.acquire(model)
            let pool = self.pool, gate = self.gate
            return ModelLease(backend: backend, loadSeconds: loadSeconds) {
                await pool.release(model, keepAlive: keepAlive)
                await gate.leave()
            }
        } catch {
            await gate.leave()
            throw error
        }
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

    /// Streams the generation; counts its tokens when it ends and releases the lease however it ends.
    func generate(_ request: GenerationRequest, model entry: ModelEntry, lease: ModelLease) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let metrics = self.metrics
        let prepared = prepared(request, model: entry)
        let model = entry.name
        let task = Task {
            defer { Task { await lease.release() } }
            do {
                for try await event in lease.backend.generate(prepared) {
                    if case .done(let result) = event {
                        metrics.recordGeneration(model: model, usage: result.usage)
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
    /// - Throws: `NexusError(.invalidArgument)` when the model cannot embed or an input is empty.
    func embed(_ inputs: [String], model: String, keepAlive: KeepAlive?) async throws -> (EmbeddingResult, RequestTiming) {
        // Checked before the model is leased: a bad input must not cost a model load.
        if inputs.contains(where: \.isEmpty) {
            throw NexusError(.invalidArgument, "cannot embed an empty text; remove it from the input")
        }
        let started = ContinuousClock.now
        let lease = try await lease(model: model, keepAlive: keepAlive)
        defer { Task { await lease.release() } }
        guard let embedder = lease.backend as? any EmbeddingBackend else {
            throw NexusError(.invalidArgument, "model '\(model)' cannot make embeddings; use a local GGUF model")
        }
        let result = try await embedder.embed(inputs)
        metrics.recordGeneration(model: model, usage: GenerationUsage(promptTokens: result.promptTokens))
        return (result, RequestTiming(loadSeconds: lease.loadSeconds, totalSeconds: (ContinuousClock.now - started).inSeconds))
    }
}
