import CLlama
import Foundation
import NexusCore
import Synchronization

/// A flag the stream's consumer sets when it goes away; the engine checks it between batches.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// One generation in flight: its prompt tokens, sampler, streaming state and counters.
/// Lives on the engine's thread only.
final class GenerationJob {
    let promptTokens: [llama_token]
    let request: GenerationRequest
    let chat: RenderedChat?
    let sampler: OpaquePointer
    let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    let cancellation: CancellationFlag
    let renderSpecialTokens: Bool

    /// The next prompt token to evaluate; equal to the prompt length once it is all in the cache.
    var nextPromptIndex = 0
    /// A sampled token that still has to be evaluated to continue.
    var pendingToken: llama_token?
    /// The prompt and every token generated so far: what drafts are looked up in.
    var history: [llama_token]
    /// Guesses of the next tokens, checked in the batch that evaluates the pending token.
    var lookup = PromptLookupDraft()
    /// The draft in the batch being decoded (evaluated after the pending token).
    var draft: [llama_token] = []
    /// Whether that draft is text the grammar forced rather than a guess from the context.
    var draftIsForced = false
    var generatedTokens = 0
    var filter: StopSequenceFilter
    /// A stop sequence matched: what followed it is dropped, not flushed.
    var stoppedBySequence = false
    /// Everything released so far (raw, including any tool-call markup).
    var rawText = ""
    /// Answer content already sent to the consumer (tool-call aware streams).
    var emittedContent = ""
    var usage = GenerationUsage()
    var admittedAt: ContinuousClock.Instant?
    var firstTokenAt: ContinuousClock.Instant?

    init(promptTokens: [llama_token], request: GenerationRequest, chat: RenderedChat?, sampler: OpaquePointer,
         continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation, cancellation: CancellationFlag) {
        self.promptTokens = promptTokens
        self.history = promptTokens
        self.request = request
        self.chat = chat
        self.sampler = sampler
        self.continuation = continuation
        self.cancellation = cancellation
        self.filter = StopSequenceFilter(stops: request.stop + (chat?.additionalStops ?? []))
        self.renderSpecialTokens = chat?.parsesToolCalls ?? false
        usage.promptTokens = promptTokens.count
    }

    deinit {
        nx_sampler_free(sampler)
    }

    var isPromptDone: Bool { nextPromptIndex >= promptTokens.count }

    /// Releases newly generated text to the consumer: raw text, or for tool-aware generations the
    /// growth of the parsed answer content (tool-call markup is never streamed as text).
    func release(_ text: String) {
        guard !text.isEmpty else { return }
        rawText += text
        guard let chat, chat.parsesToolCalls else {
            continuation.yield(.text(text))
            return
        }
        guard let parsed = try? chat.parse(rawText, partial: true), parsed.content.hasPrefix(emittedContent) else { return }
        // A line that may begin a call written as JSON (`BareToolCalls`) waits for the end:
        // streamed now, a client would get the call twice, as text and as tool_calls.
        let unsent = parsed.content.dropFirst(emittedContent.count)
        let atLineStart = emittedContent.allSatisfy(\.isWhitespace) || emittedContent.last?.isNewline == true
            || unsent.first?.isNewline == true
        if atLineStart, let first = unsent.first(where: { !$0.isWhitespace }), "{[`<".contains(first) { return }
        let delta = String(unsent)
        if !delta.isEmpty {
            emittedContent = parsed.content
            continuation.yield(.text(delta))
        }
    }

    /// Whether the output already holds a whole new tool call written as bare JSON and the request
    /// wants no parallel calls: nothing the model writes next can be used, and small models go on
    /// writing calls (their plan, as JSON lines) until the token limit. Checked at line ends.
    var holdsCompleteBareCall: Bool {
        guard let chat, chat.parsesToolCalls, !request.parallelToolCalls, rawText.hasSuffix("\n") else { return false }
        let trimmed = rawText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{") || trimmed.hasPrefix("```") else { return false }
        return chat.holdsNewBareCall(trimmed)
    }

    /// Ends the stream with its result (or error) and records timings.
    func finish(_ reason: FinishReason) {
        let now = ContinuousClock.now
        if let admittedAt {
            usage.promptSeconds = ((firstTokenAt ?? now) - admittedAt).inSeconds
        }
        if let firstTokenAt {
            usage.generationSeconds = (now - firstTokenAt).inSeconds
        }
        if reason == .cancelled {
            continuation.finish(throwing: CancellationError())
            return
        }
        if !stoppedBySequence {
            release(filter.flush())
        }
        do {
            let result = try buildResult(reason)
            continuation.yield(.done(result))
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }

    private func buildResult(_ reason: FinishReason) throws -> GenerationResult {
        usage.completionTokens = generatedTokens
        guard let chat, chat.parsesToolCalls else {
            return GenerationResult(text: rawText, finishReason: reason, usage: usage)
        }
        let answer: (content: String, toolCalls: [ToolCall], restated: Int)
        do {
            answer = try chat.answerPassingOver(rawText, partial: reason == .length)
        } catch let error as NexusError where error.code == .invalidToolCall && request.malformedCallsAsText {
            // The model's own output is the answer, as it wrote it: the request was valid.
            answer = (rawText, [], 0)
        }
        if answer.content.hasPrefix(emittedContent), answer.content.count > emittedContent.count {
            continuation.yield(.text(String(answer.content.dropFirst(emittedContent.count))))
        }
        // A cut-off output says so even when it completed some calls before the limit.
        let finish: FinishReason = answer.toolCalls.isEmpty || reason == .length ? reason : .toolCalls
        var result = GenerationResult(text: answer.content, toolCalls: answer.toolCalls, finishReason: finish, usage: usage)
        result.restatedCalls = answer.restated
        return result
    }
}
