/// A backend that can say, before generating, how many tokens a request's prompt takes and how
/// many its context holds: what a token quota reserves for a request.
public protocol PromptMeasuring: Sendable {
    /// The prompt's tokens as a generation would feed them (chat template and tools included).
    /// - Throws: the errors the generation itself would throw for this prompt.
    func promptTokenCount(_ request: GenerationRequest) async throws -> Int
    /// Tokens the context holds: the most a prompt and its answer can take together.
    var contextTokens: Int { get async }
}
