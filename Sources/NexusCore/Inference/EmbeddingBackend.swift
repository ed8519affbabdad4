/// Vectors for texts, one per input, in input order.
public struct EmbeddingResult: Sendable, Hashable {
    /// Unit-length vectors (L2-normalised), so a dot product is the cosine similarity.
    public var vectors: [[Float]]
    /// Tokens read, over all inputs.
    public var promptTokens: Int

    public init(vectors: [[Float]], promptTokens: Int) {
        self.vectors = vectors
        self.promptTokens = promptTokens
    }
}

/// A backend that can also turn text into embedding vectors (local models can).
public protocol EmbeddingBackend: Sendable {
    /// - Throws: `NexusError(.invalidArgument)` for an empty text, `.contextOverflow` for one too long.
    func embed(_ texts: [String]) async throws -> EmbeddingResult
}
