import Foundation
import Hummingbird
import NexusAPI
import NexusCore

/// Ollama's API: `/api/chat`, `/api/generate`, `/api/embed(dings)`, `/api/tags`, `/api/show`, `/api/ps`.
struct OllamaRoutes: Sendable {
    let service: InferenceService
    let configuration: ServerConfiguration

    func register(on router: Router<NexusRequestContext>) {
        router.post("/api/chat") { request, context in try await respond(request, chat: true, context: context) }
        router.post("/api/generate") { request, context in try await respond(request, chat: false, context: context) }
        router.post("/api/embed") { request, context in try await embed(request, context: context, legacy: false) }
        router.post("/api/embeddings") { request, context in try await embed(request, context: context, legacy: true) }
        router.get("/api/tags") { _, _ in Response.json(OllamaResponses.tags(try service.catalog.list())) }
        router.post("/api/show") { request, _ in
            let fields = try await request.fields(limit: configuration.maxBodyBytes)
            guard let name = try fields.string("model") ?? fields.string("name") else {
                throw NexusError(.invalidArgument, "'model' is required")
            }
            return Response.json(OllamaResponses.show(try service.catalog.describe(name)))
        }
        router.get("/api/ps") { _, _ in Response.json(OllamaResponses.running(try await running())) }
    }

    /// `/api/chat` or `/api/generate`: the body is read with a created model's default options
    /// under the request's own, from the one store lookup the whole request uses.
    private func respond(_ request: Request, chat: Bool, context: NexusRequestContext) async throws -> Response {
        var fields = try await request.fields(limit: configuration.maxBodyBytes)
        // A missing or unknown model is reported after the body's own errors, as before any lookup.
        let stored = try? service.catalog.entry(fields.requiredString("model"))
        if let stored, let options = ModelCatalog.options(of: stored, overriddenBy: try fields.fields("options")?.object) {
            var object = fields.object
            object["options"] = .object(options)
            fields = RequestFields(object)
        }
        let parsed = chat ? try OllamaRequests.chat(fields) : try OllamaRequests.generate(fields)
        let entry = try stored ?? service.catalog.entry(parsed.model)
        let model = entry.name
        guard let generation = parsed.generation else {
            // A gateway:PURPOSE model has nothing of its own to load: its routes load on use.
            if entry.isGateway {
                return Response.json(OllamaResponses.loadOnly(model: parsed.model, chat: chat, reason: "load"))
            }
            // No prompt: load the model, or unload it when keep_alive is 0.
            if case .seconds(let seconds)? = parsed.keepAlive, seconds <= 0 {
                await service.pool.unload(model)
                return Response.json(OllamaResponses.loadOnly(model: parsed.model, chat: chat, reason: "unload"))
            }
            try await service.pool.load(model, keepAlive: parsed.keepAlive)
            return Response.json(OllamaResponses.loadOnly(model: parsed.model, chat: chat, reason: "load"))
        }
        let started = ContinuousClock.now
        let lease = try await service.lease(model: model, keepAlive: parsed.keepAlive, account: context.usageAccount)
        let cursor = GenerationCursor(service.generate(generation, model: entry, lease: lease))
        let name = parsed.model
        let timing = { @Sendable in RequestTiming(loadSeconds: lease.loadSeconds, totalSeconds: (ContinuousClock.now - started).inSeconds) }
        guard parsed.stream else {
            let result = try await cancellingOnDisconnect(context.channel) { try await cursor.result() }
            let body = chat
                ? OllamaResponses.chatFinal(model: name, result: result, timing: timing(), streamed: false)
                : OllamaResponses.generateFinal(model: name, result: result, timing: timing(), streamed: false)
            return Response.json(body)
        }
        try await cursor.start()
        return Response.ndjson { send in
            do {
                while let event = try await cursor.next() {
                    switch event {
                    case .text(let text):
                        try await send(chat ? OllamaResponses.chatChunk(model: name, text: text)
                                            : OllamaResponses.generateChunk(model: name, text: text))
                    case .done(let result):
                        if chat, !result.toolCalls.isEmpty {
                            try await send(OllamaResponses.chatChunk(model: name, text: "", toolCalls: result.toolCalls))
                        }
                        try await send(chat ? OllamaResponses.chatFinal(model: name, result: result, timing: timing(), streamed: true)
                                            : OllamaResponses.generateFinal(model: name, result: result, timing: timing(), streamed: true))
                    }
                }
            } catch let error as NexusError {
                // Ollama reports a failure after the stream started as a last line with an error.
                try await send(OllamaResponses.error(error.message))
            }
        }
    }

    private func embed(_ request: Request, context: NexusRequestContext, legacy: Bool) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let parsed = try OllamaRequests.embed(fields)
        let entry = try service.catalog.entry(parsed.model)
        let model = entry.name
        if parsed.inputs.isEmpty {
            if legacy { return Response.json(["embedding": []]) }
            if !entry.isGateway { try await service.pool.load(model, keepAlive: parsed.keepAlive) }
            return Response.json(["model": .string(parsed.model), "embeddings": []])
        }
        let (result, timing) = try await cancellingOnDisconnect(context.channel) {
            try await service.embed(parsed.inputs, model: model, keepAlive: parsed.keepAlive, account: context.usageAccount)
        }
        if legacy {
            return Response.json(["embedding": OllamaResponses.vector(result.vectors.first ?? [])])
        }
        return Response.json(OllamaResponses.embed(model: parsed.model, embeddings: result.vectors, promptTokens: result.promptTokens, timing: timing))
    }

    private func running() async throws -> [LoadedModelDescription] {
        var models: [LoadedModelDescription] = []
        for loaded in await service.pool.loaded() {
            guard let description = try? service.catalog.describe(loaded.name) else { continue }
            models.append(LoadedModelDescription(
                model: description, expiresAt: loaded.expiresAt,
                contextLength: EngineLoad.contextLength(of: loaded.backend) ?? description.contextLength ?? 0))
        }
        return models
    }
}
