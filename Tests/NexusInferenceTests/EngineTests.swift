import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

@Suite("Engine on the real SmolLM2 model", .serialized)
struct EngineTests {
    let question = GenerationRequest(
        prompt: .chat([.user("Name three colours of the rainbow.")]), sampling: .greedy, maxTokens: 40)

    @Test("greedy decoding with a seed gives the same text every time")
    func greedyIsReproducible() async throws {
        let engine = try await SharedEngine.engine()
        let first = try await SharedEngine.run(engine, question)
        let second = try await SharedEngine.run(engine, question)
        #expect(!first.result.text.isEmpty)
        #expect(first.result.text == second.result.text)
        #expect(first.streamed == first.result.text)
        #expect(first.result.usage.completionTokens > 0)
    }

    @Test("a seeded sample at temperature 0.9 is reproducible too")
    func seededSamplingIsReproducible() async throws {
        let engine = try await SharedEngine.engine()
        var request = question
        request.sampling = SamplingParameters(temperature: 0.9, seed: 1234)
        let first = try await SharedEngine.run(engine, request)
        let second = try await SharedEngine.run(engine, request)
        #expect(first.result.text == second.result.text)
    }

    @Test("max tokens ends generation with reason length")
    func maxTokensEndsWithLength() async throws {
        let engine = try await SharedEngine.engine()
        let request = GenerationRequest(prompt: .text("Once upon a time"), sampling: .greedy, maxTokens: 5, ignoreEndOfGeneration: true)
        let run = try await SharedEngine.run(engine, request)
        #expect(run.result.finishReason == .length)
        #expect(run.result.usage.completionTokens == 5)
    }

    @Test("a stop sequence ends generation and is not part of the output")
    func stopSequence() async throws {
        let engine = try await SharedEngine.engine()
        let free = try await SharedEngine.run(engine, GenerationRequest(prompt: .text("1, 2, 3, 4,"), sampling: .greedy, maxTokens: 24, ignoreEndOfGeneration: true))
        // Stop at the first comma the model writes after the prompt.
        let stopped = try await SharedEngine.run(engine, GenerationRequest(prompt: .text("1, 2, 3, 4,"), sampling: .greedy, maxTokens: 24, stop: [","]))
        #expect(free.result.text.contains(","))
        #expect(!stopped.result.text.contains(","))
        #expect(free.result.text.hasPrefix(stopped.result.text))
        #expect(stopped.result.finishReason == .stop)
    }

    @Test("turn two of a conversation evaluates only the new tokens")
    func prefixCacheReuse() async throws {
        // An engine of its own: other tests must not take over the slot between the two turns.
        let engine = try await LlamaEngine.load(path: try TestModels.smollm2(), configuration: EngineConfiguration(contextLength: 2048, slots: 1, threads: 2))
        var messages: [ChatMessage] = [.system("You are a terse assistant."), .user("What is the capital of France?")]
        let turn1 = try await SharedEngine.run(engine, GenerationRequest(prompt: .chat(messages), sampling: .greedy, maxTokens: 30))
        messages.append(.assistant(turn1.result.text))
        messages.append(.user("And of Italy?"))
        let turn2 = try await SharedEngine.run(engine, GenerationRequest(prompt: .chat(messages), sampling: .greedy, maxTokens: 30))
        let usage = turn2.result.usage
        #expect(usage.cachedPromptTokens >= turn1.result.usage.promptTokens)
        #expect(usage.promptTokens - usage.cachedPromptTokens < usage.promptTokens / 2)
    }

    @Test("two requests decode together in one engine and both complete")
    func parallelSlots() async throws {
        let engine = try await SharedEngine.engine()
        let a = GenerationRequest(prompt: .text("The sea is"), sampling: .greedy, maxTokens: 16, ignoreEndOfGeneration: true)
        let b = GenerationRequest(prompt: .text("Mountains are"), sampling: .greedy, maxTokens: 16, ignoreEndOfGeneration: true)
        async let first = SharedEngine.run(engine, a)
        async let second = SharedEngine.run(engine, b)
        let (resultA, resultB) = try await (first, second)
        #expect(resultA.result.usage.completionTokens == 16)
        #expect(resultB.result.usage.completionTokens == 16)
        #expect(resultA.result.text != resultB.result.text)
    }

    @Test("cancelling the consumer stops generation and frees the slot")
    func cancellation() async throws {
        let engine = try await SharedEngine.engine()
        let endless = GenerationRequest(prompt: .text("Count forever:"), sampling: .greedy, maxTokens: 100_000, ignoreEndOfGeneration: true)
        let consumer = Task {
            var pieces = 0
            for try await event in engine.generate(endless) {
                if case .text = event { pieces += 1 }
            }
            return pieces
        }
        try await Task.sleep(for: .milliseconds(300))
        consumer.cancel()
        // A cancelled consumer's stream simply ends; the engine must then drop the generation.
        let pieces = try await consumer.value
        #expect(pieces < 100_000)
        let deadline = ContinuousClock.now + .seconds(60)
        while await engine.busySlots > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await engine.busySlots == 0)
        // The engine goes on serving.
        let after = try await SharedEngine.run(engine, question)
        #expect(!after.result.text.isEmpty)
    }

    @Test("a prompt longer than the context is refused with a clear error")
    func contextOverflow() async throws {
        let engine = try await SharedEngine.engine()
        let long = String(repeating: "word ", count: 5000)
        await #expect {
            _ = try await SharedEngine.run(engine, GenerationRequest(prompt: .text(long), maxTokens: 4))
        } throws: { error in
            guard let error = error as? NexusError else { return false }
            return error.code == .contextOverflow && error.message.contains("2048")
        }
    }

    @Test("an empty prompt is refused")
    func emptyPrompt() async throws {
        let engine = try await SharedEngine.engine()
        await #expect {
            _ = try await SharedEngine.run(engine, GenerationRequest(prompt: .text("   ")))
        } throws: { ($0 as? NexusError)?.code == .emptyPrompt }
    }
}
