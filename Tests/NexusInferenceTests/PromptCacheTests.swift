import NexusCore
import NexusInference
import NexusTesting
import Testing

@Suite("Prompt states kept in host memory", .serialized)
struct PromptCacheTests {
    let first = GenerationRequest(
        prompt: .chat([.user("Describe, in a few calm sentences, a lighthouse on a rocky coast at night while a storm passes over the sea.")]),
        sampling: .greedy, maxTokens: 16)
    let second = GenerationRequest(
        prompt: .chat([.user("Explain, in a few plain sentences, how a bicycle chain moves power from the pedals to the rear wheel.")]),
        sampling: .greedy, maxTokens: 16)

    /// The first prompt, another one in the same (only) slot, then the first again.
    private func returningPrompt(cacheBytes: Int) async throws -> (before: GenerationResult, after: GenerationResult) {
        let engine = try await LlamaEngine.load(path: try TestModels.smollm2(), configuration: EngineConfiguration(
            contextLength: 2048, slots: 1, threads: 2, promptCacheBytes: cacheBytes))
        let before = try await SharedEngine.run(engine, first).result
        _ = try await SharedEngine.run(engine, second)
        let after = try await SharedEngine.run(engine, first).result
        return (before, after)
    }

    @Test("a prompt that returns after its slot served another is restored, not evaluated again")
    func returningPromptIsRestored() async throws {
        let (before, after) = try await returningPrompt(cacheBytes: 64 << 20)
        // All but the last prompt token, which is evaluated again for its logits.
        #expect(after.usage.cachedPromptTokens == after.usage.promptTokens - 1)
        // The restored state is the one the first answer was decoded from.
        #expect(after.text == before.text)
    }

    @Test("without the host cache the returning prompt's own message is evaluated again")
    func withoutTheCacheThePromptIsEvaluated() async throws {
        let (before, after) = try await returningPrompt(cacheBytes: 0)
        // Only the template's start, shared with the other prompt, is still in the slot.
        #expect(after.usage.cachedPromptTokens + 10 < after.usage.promptTokens)
        #expect(after.text == before.text)
    }
}
