public import NexusCore

/// A GGUF model run in-process by llama.cpp.
public struct LocalBackend: InferenceBackend {
    public let modelName: String
    public let engine: LlamaEngine

    public init(modelName: String, engine: LlamaEngine) {
        self.modelName = modelName
        self.engine = engine
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        engine.generate(request)
    }
}
