import NexusCore
import NexusInference
import NexusTesting

/// One SmolLM2 engine shared by the engine tests (loading it once keeps the suite fast).
enum SharedEngine {
    static let twoSlots = Task { try await LlamaEngine.load(path: try TestModels.smollm2(), configuration: EngineConfiguration(contextLength: 2048, slots: 2, threads: 2)) }

    static func engine() async throws -> LlamaEngine {
        try await twoSlots.value
    }

    /// Collects a whole generation: the streamed text and the final result.
    static func run(_ engine: LlamaEngine, _ request: GenerationRequest) async throws -> (streamed: String, result: GenerationResult) {
        var streamed = ""
        var final: GenerationResult?
        for try await event in engine.generate(request) {
            switch event {
            case .text(let text): streamed += text
            case .done(let result): final = result
            }
        }
        guard let final else { throw NexusError(.inferenceFailed, "no result") }
        return (streamed, final)
    }
}
