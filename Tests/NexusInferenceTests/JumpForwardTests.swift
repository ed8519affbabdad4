import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// Jump-forward decodes the text an output grammar forces as one checked batch. It must never
/// change what is generated: each request below gives the same output with it on and off, and
/// where the grammar forces text, that text is decoded as a batch.
@Suite("Jump-forward over grammar-forced text, on the real SmolLM2 model", .serialized)
struct JumpForwardTests {
    /// The request with jump-forward off and on, each finding the same prompt cached: a prompt
    /// evaluated as one batch and one found in the cache round differently, which alone can flip
    /// a near-tie, so an untimed first run puts both measured ones on an equal footing.
    func both(_ request: GenerationRequest) async throws -> (off: GenerationResult, on: GenerationResult) {
        let engine = try await SharedEngine.engine()
        var off = request
        off.jumpForward = false
        var on = request
        on.jumpForward = true
        _ = try await SharedEngine.run(engine, off)
        let offResult = try await SharedEngine.run(engine, off).result
        let onResult = try await SharedEngine.run(engine, on).result
        #expect(onResult.usage.cachedPromptTokens == offResult.usage.cachedPromptTokens)
        return (offResult, onResult)
    }

    static let writeFile = ToolDefinition(name: "write_file", description: "Write text into a file", parameters: [
        "type": "object", "properties": ["path": ["type": "string"], "content": ["type": "string"]], "required": ["path", "content"],
    ])
    static let listFiles = ToolDefinition(name: "list_files", description: "List the files in a folder", parameters: [
        "type": "object", "properties": ["folder": ["type": "string"]], "required": ["folder"],
    ])

    @Test("a required tool call is the same with jump-forward on and off, and its envelope is forced")
    func requiredToolCall() async throws {
        let request = GenerationRequest(
            prompt: .chat([.user("Save the words 'blue heron' into birds.txt.")]), tools: [Self.writeFile, Self.listFiles],
            toolChoice: .required, sampling: .greedy, maxTokens: 120)
        let (off, on) = try await both(request)
        #expect(on.toolCalls == off.toolCalls)
        #expect(on.text == off.text)
        #expect(on.finishReason == off.finishReason)
        #expect(on.usage.completionTokens == off.usage.completionTokens)
        #expect(off.usage.forcedTokens == 0)
        #expect(on.usage.acceptedForcedTokens > 0, "\(on.usage)")
    }

    @Test("a JSON-schema answer is the same with jump-forward on and off, and its keys are forced")
    func schemaAnswer() async throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": ["city": ["type": "string"], "population_in_millions": ["type": "number"], "is_capital": ["type": "boolean"]],
            "required": ["city", "population_in_millions", "is_capital"],
        ]
        let request = GenerationRequest(
            prompt: .chat([.user("Describe Paris as JSON.")]), responseFormat: .jsonSchema(schema), sampling: .greedy, maxTokens: 80)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        #expect(off.usage.forcedTokens == 0)
        #expect(on.usage.acceptedForcedTokens > 0, "\(on.usage)")
        #expect(on.text.contains("\"population_in_millions\""))
    }

    @Test("a list of objects: keys and the spacing learned from the first item are drafted for the next ones")
    func repeatedStructure() async throws {
        let item: JSONValue = [
            "type": "object",
            "properties": ["name": ["type": "string"], "colour": ["type": "string"], "legs": ["type": "integer"]],
            "required": ["name", "colour", "legs"],
        ]
        let schema: JSONValue = [
            "type": "object", "properties": ["animals": ["type": "array", "items": item, "minItems": 3, "maxItems": 3]],
            "required": ["animals"],
        ]
        let request = GenerationRequest(
            prompt: .chat([.user("List three farm animals as JSON.")]), responseFormat: .jsonSchema(schema), sampling: .greedy, maxTokens: 120)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        // A quarter or more of the output came as checked drafts, at least half of them taken
        // (what this model writes here depends on what its cache held before, so the bounds are loose).
        #expect(on.usage.acceptedForcedTokens * 4 >= on.usage.completionTokens, "\(on.usage)")
        #expect(on.usage.acceptedForcedTokens * 2 >= on.usage.forcedTokens, "\(on.usage)")
    }

    @Test("a grammar's fixed text, multi-byte characters included, comes out the same and is forced")
    func literalGrammar() async throws {
        let grammar = #"root ::= "Réponse finale → " [0-9] [0-9]? " (vérifiée) ✓ fin""#
        let request = GenerationRequest(
            prompt: .chat([.user("How many legs does a spider have?")]), sampling: .greedy, maxTokens: 40, grammar: grammar)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        #expect(on.text.hasPrefix("Réponse finale → "))
        #expect(on.text.hasSuffix(" (vérifiée) ✓ fin"))
        #expect(on.usage.acceptedForcedTokens > 0, "\(on.usage)")
    }

    @Test("a seeded sample under a grammar is the same with jump-forward on and off")
    func seededSample() async throws {
        var request = GenerationRequest(
            prompt: .chat([.user("Save a short poem about rain into poem.txt.")]), tools: [Self.writeFile],
            toolChoice: .required, maxTokens: 80)
        request.sampling = SamplingParameters(temperature: 0.9, seed: 7)
        let (off, on) = try await both(request)
        #expect(on.toolCalls == off.toolCalls)
        #expect(on.text == off.text)
        #expect(on.usage.acceptedForcedTokens > 0, "\(on.usage)")
    }

    @Test("a lazy grammar (tool choice auto) is not read for forced text, and the output is unchanged")
    func lazyGrammar() async throws {
        let request = GenerationRequest(
            prompt: .chat([.user("List the files in the folder 'notes'.")]), tools: [Self.listFiles],
            toolChoice: .auto, sampling: .greedy, maxTokens: 60)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        #expect(on.toolCalls == off.toolCalls)
        #expect(on.usage.forcedTokens == 0)
    }

    @Test("no grammar, no forced text")
    func noGrammar() async throws {
        let request = GenerationRequest(prompt: .chat([.user("Name three colours.")]), sampling: .greedy, maxTokens: 20)
        let (off, on) = try await both(request)
        #expect(on.text == off.text)
        #expect(on.usage.forcedTokens == 0)
    }
}
