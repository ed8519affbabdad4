import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// Drafting from the context (`PromptLookupDraft`) must never change what is generated: the same
/// request gives the same text with it on and off, while drafts are taken where the model copies.
@Suite("Speculative decoding from the context, on the real SmolLM2 model", .serialized)
struct SpeculativeDecodingTests {
    static let passage = """
        The lighthouse stood on the northern cape for two hundred years. Its keeper, Ada Lindqvist, \
        climbed the ninety-one steps every evening at dusk, wound the clockwork, trimmed the wick and \
        wrote the weather into a ledger bound in green leather.
        """

    func both(_ request: GenerationRequest) async throws -> (off: GenerationResult, on: GenerationResult) {
        let engine = try await SharedEngine.engine()
        var off = request
        off.speculative = false
        var on = request
        on.speculative = true
        return (try await SharedEngine.run(engine, off).result, try await SharedEngine.run(engine, on).result)
    }

    @Test("greedy copying gives the same text with drafts on and off, and takes drafts")
    func greedyCopy() async throws {
        let request = GenerationRequest(prompt: .chat([.user("Repeat this text exactly:\n\n\(Self.passage)")]), sampling: .greedy, maxTokens: 80)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        #expect(on.usage.completionTokens == off.usage.completionTokens)
        #expect(off.usage.draftTokens == 0)
        #expect(on.usage.acceptedDraftTokens > 0, "\(on.usage)")
    }

    @Test("a seeded sample at temperature 0.8 is the same with drafts on and off")
    func seededSample() async throws {
        var request = GenerationRequest(prompt: .chat([.user("Repeat this text exactly:\n\n\(Self.passage)")]), maxTokens: 60)
        request.sampling = SamplingParameters(temperature: 0.8, seed: 42)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
    }

    @Test("a grammar-constrained tool call is the same with drafts on and off")
    func toolCall() async throws {
        let tool = ToolDefinition(name: "write_file", description: "Write text into a file", parameters: [
            "type": "object", "properties": ["path": ["type": "string"], "content": ["type": "string"]], "required": ["path", "content"],
        ])
        let request = GenerationRequest(
            prompt: .chat([.user("Save this text into notes.txt:\n\n\(Self.passage)")]), tools: [tool], toolChoice: .required,
            sampling: .greedy, maxTokens: 120)
        let (off, on) = try await both(request)
        #expect(on.toolCalls == off.toolCalls)
        #expect(on.text == off.text)
        #expect(on.finishReason == off.finishReason)
    }

    @Test("two requests drafting side by side each get the text they get alone")
    func concurrent() async throws {
        let engine = try await SharedEngine.engine()
        let copy = GenerationRequest(prompt: .chat([.user("Repeat this text exactly:\n\n\(Self.passage)")]), sampling: .greedy, maxTokens: 50)
        let list = GenerationRequest(prompt: .chat([.user("Count from one to twenty in words, separated by commas.")]), sampling: .greedy, maxTokens: 50)
        let alone = (try await SharedEngine.run(engine, copy).result.text, try await SharedEngine.run(engine, list).result.text)
        async let first = SharedEngine.run(engine, copy)
        async let second = SharedEngine.run(engine, list)
        let together = (try await first.result.text, try await second.result.text)
        #expect(together.0 == alone.0)
        #expect(together.1 == alone.1)
    }

    @Test("a draft is what followed the latest earlier occurrence of the last tokens, and its size adapts")
    func lookup() {
        var lookup = PromptLookupDraft()
        //                   0  1  2  3  4  5  6  7  8  9
        let context: [Int32] = [5, 6, 7, 1, 5, 6, 7, 2, 3, 5, 6, 7]
        // The last three (5 6 7) occur at 4 and 0; the latest is followed by 2 3 5 6.
        #expect(lookup.draft(after: context, room: 16) == [2, 3, 5, 6])
        #expect(lookup.draft(after: context, room: 2) == [2, 3])
        #expect(lookup.draft(after: [1, 2, 3, 4], room: 16).isEmpty)
        lookup.record(drafted: 4, taken: 4)
        #expect(lookup.limit == 8)
        lookup.record(drafted: 8, taken: 0)
        #expect(lookup.limit == 4)
    }
}
