/// Something that turns a request into generated text: a local llama.cpp model, a remote
/// OpenAI-compatible endpoint, or a script of canned outputs for tests.
public protocol InferenceBackend: Sendable {
    /// The name requests use for this model.
    var modelName: String { get }

    /// Streams one generation. Cancelling the consuming task stops generation at once.
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
}

extension InferenceBackend {
    /// Runs a generation to the end and returns its result.
    /// - Throws: the backend's `NexusError`, or `CancellationError`.
    public func complete(_ request: GenerationRequest) async throws -> GenerationResult {
        for try await event in generate(request) {
            if case .done(let result) = event {
                return result
            }
        }
        // A cancelled consumer sees the stream end early: that is a cancellation, not a failure.
        try Task.checkCancellation()
        throw NexusError(.inferenceFailed, "the backend for \(modelName) ended without a result")
    }
}
