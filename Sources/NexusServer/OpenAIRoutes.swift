import Foundation
import Hummingbird
import NexusAPI
import NexusCore

/// OpenAI's API: `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/v1/models`.
struct OpenAIRoutes: Sendable {
    let service: InferenceService
    let configuration: ServerConfiguration

    func register(on router: Router<NexusRequestContext>) {
        router.post("/v1/chat/completions") { request, context in try await complete(request, context: context, chat: true) }
        router.post("/v1/completions") { request, context in try await complete(request, context: context, chat: false) }
        router.post("/v1/embeddings") { request, context in try await embeddings(request, context: context) }
        router.get("/v1/models") { _, _ in Response.json(OpenAIResponses.models(try service.catalog.list())) }
        router.get("/v1/models/{id}") { _, context in
            let name = try context.parameters.require("id")
            return Response.json(OpenAIResponses.model(try service.catalog.describe(name)))
        }
    }

    private func complete(_ request: Request, context: NexusRequestContext, chat: Bool) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let parsed = chat ? try OpenAIRequests.chat(fields) : try OpenAIRequests.completion(fields)
        let entry = try service.catalog.entry(parsed.model)
        var generation = parsed.generation
        if let merged = ModelCatalog.options(of: entry, overriddenBy: fields.object) {
            generation = try withModelDefaults(generation, fields: RequestFields(merged))
        }
        let lease = try await service.lease(model: entry.name, keepAlive: nil, account: context.usageAccount)
        let cursor = GenerationCursor(service.generate(generation, model: entry, lease: lease))
        let id = (chat ? "chatcmpl-" : "cmpl-") + RandomID.make()
        let created = Date()
        let name = parsed.model
        guard parsed.stream else {
            let result = try await cancellingOnDisconnect(context.channel) { try await cursor.result() }
            return Response.json(chat
                ? OpenAIResponses.chatCompletion(id: id, model: name, created: created, result: result)
                : OpenAIResponses.textCompletion(id: id, model: name, created: created, text: result.text,
                                                 finishReason: result.finishReason, usage: result.usage))
        }
        try await cursor.start()
        let includeUsage = parsed.includeUsage
        return Response.eventStream { send in
            func chunk(_ delta: JSONObject, _ reason: FinishReason? = nil, text: String = "") -> ServerSentEvent {
                ServerSentEvent(json: chat
                    ? OpenAIResponses.chatChunk(id: id, model: name, created: created, delta: delta, finishReason: reason)
                    : OpenAIResponses.textCompletion(id: id, model: name, created: created, text: text, finishReason: reason, usage: nil))
            }
            do {
                if chat { try await send(chunk(["role": "assistant", "content": ""])) }
                while let event = try await cursor.next() {
                    switch event {
                    case .text(let text):
                        try await send(chunk(["content": .string(text)], text: text))
                    case .done(let result):
                        for (index, call) in result.toolCalls.enumerated() {
                            try await send(chunk(OpenAIResponses.toolCallDelta(call, index: index)))
                        }
                        try await send(chunk([:], result.finishReason))
                        if includeUsage {
                            try await send(ServerSentEvent(json: OpenAIResponses.usageChunk(
                                id: id, model: name, created: created, usage: result.usage,
                                object: chat ? "chat.completion.chunk" : "text_completion")))
                        }
                    }
                }
            } catch let error as NexusError {
                try await send(ServerSentEvent(json: OpenAIResponses.error(error.message, type: error.openAIType, code: error.code.raw)))
            }
            try await send(ServerSentEvent(data: "[DONE]"))
        }
    }

    /// The sampling of `generation` read again from `fields`: the request's own fields over a
    /// created model's defaults (Ollama option names).
    private func withModelDefaults(_ generation: GenerationRequest, fields: RequestFields) throws -> GenerationRequest {
        var result = generation
        result.sampling = try SamplingFields.sampling(in: fields)
        result.stop = try SamplingFields.stop(in: fields)
        if result.maxTokens == nil { result.maxTokens = try SamplingFields.tokenLimit(numPredictIn: fields) }
        return result
    }

    private func embeddings(_ request: Request, context: NexusRequestContext) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let parsed = try OpenAIRequests.embeddings(fields)
        let model = try service.catalog.resolve(parsed.model)
        let (result, _) = try await cancellingOnDisconnect(context.channel) {
            try await service.embed(parsed.inputs, model: model, keepAlive: nil, account: context.usageAccount)
        }
        return Response.json(OpenAIResponses.embeddings(
            model: parsed.model, embeddings: result.vectors, promptTokens: result.promptTokens, base64: parsed.base64))
    }
}

/// Random ids for responses and runs: 24 lowercase hex digits.
enum RandomID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<3).map { _ in String(format: "%016llx", generator.next() as UInt64).suffix(8) }.joined()
    }
}
