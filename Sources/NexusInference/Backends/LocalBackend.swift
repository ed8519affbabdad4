public import NexusCore

/// A GGUF model run in-process by llama.cpp.
public struct LocalBackend: InferenceBackend, EmbeddingBackend, PromptMeasuring {
    public let modelName: String
    public let engine: LlamaEngine

    public init(modelName: String, engine: LlamaEngine) {
        self.modelName = modelName
        self.engine = engine
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        engine.generate(request)
    }

    public func embed(_ texts: [String]) async throws -> EmbeddingResult {
        try await engine.embed(texts)
    }

    public func promptTokenCount(_ request: GenerationRequest) async throws -> Int {
        try await engine.promptTokenCount(request)
    }

    public var contextTokens: Int { engine.configuration.contextLength }
}
