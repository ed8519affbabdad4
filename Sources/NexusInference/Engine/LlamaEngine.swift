import CLlama
public import Foundation
public import NexusCore

/// How a loaded model is run.
public struct EngineConfiguration: Sendable, Hashable {
    /// Tokens of context each slot holds (capped at what the model was trained for).
    public var contextLength: Int
    /// Sequences decoded together in one batch (parallel requests).
    public var slots: Int
    /// Most tokens given to one `llama_decode` call.
    public var batchSize: Int
    /// CPU threads for decoding.
    public var threads: Int
    /// Bytes of host memory for slot states kept after their slot went to another prompt
    /// (0: none; a returning prompt is then evaluated again).
    public var promptCacheBytes: Int

    public init(contextLength: Int = 4096, slots: Int = 1, batchSize: Int = 512, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                promptCacheBytes: Int = 1 << 30) {
        self.contextLength = contextLength
        self.slots = slots
        self.batchSize = batchSize
        self.threads = threads
        self.promptCacheBytes = promptCacheBytes
    }
}

/// One loaded model and its llama.cpp context: the actor owns every C pointer and runs on a
/// dedicated thread, so blocking decode calls never hold up Swift's cooperative pool.
///
/// Requests get a slot (a llama.cpp sequence) each; all active slots advance together in one
/// batch per step (continuous batching), and a new request takes the free slot whose cached
/// tokens share the longest prefix with its prompt, so only new tokens are evaluated. A slot's
/// state about to be overwritten is kept in host memory first (`PromptCache`), and a prompt that
/// finds a longer prefix there than in its slot has that state copied back instead of evaluated.
///
/// Context policy: a prompt that does not fit in a slot's context is refused with
/// `NexusError(.contextOverflow)`; generation that fills the context ends with `.length`.
/// Nothing is truncated silently.
public actor LlamaEngine {
    public nonisolated let unownedExecutor: UnownedSerialExecutor
    private let executor: DedicatedThreadExecutor
    let model: LlamaModel
    public nonisolated let configuration: EngineConfiguration
    private let context: OpaquePointer
    private var batch: llama_batch
    private var slots: [Slot]
    private var waiting: [GenerationJob] = []
    private var promptCache: PromptCache
    private var isLooping = false
    /// Made on the first embedding request.
    private var embedder: Embedder?

    private struct Slot {
        let sequence: llama_seq_id
        /// Tokens currently in this sequence's KV cache, in order.
        var cachedTokens: [llama_token] = []
        var job: GenerationJob?
        var lastUsed: UInt64 = 0
    }
    private var useCounter: UInt64 = 0

    /// Loads the model at `path` and creates its context, on a thread of its own.
    /// - Parameter progress: called with the load fraction in [0, 1].
    /// - Throws: `NexusError(.modelNotFound | .modelLoadFailed)`.
    public static func load(path: String, configuration: EngineConfiguration = EngineConfiguration(),
                            progress: (@Sendable (Double) -> Void)? = nil) async throws -> LlamaEngine {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try LlamaEngine(path: path, configuration: configuration, progress: progress) })
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    private init(path: String, configuration requested: EngineConfiguration, progress: (@Sendable (Double) -> Void)?) throws {
        let model = try LlamaModel(path: path, progress: progress)
        var configuration = requested
        configuration.slots = max(1, configuration.slots)
        configuration.threads = max(1, configuration.threads)
        configuration.batchSize = max(32, configuration.batchSize)
        if model.trainedContextLength > 0 {
            configuration.contextLength = min(configuration.contextLength, model.trainedContextLength)
        }
        var params = llama_context_default_params()
        params.n_ctx = UInt32(configuration.contextLength * configuration.slots)
        params.n_batch = UInt32(configuration.batchSize)
        params.n_ubatch = UInt32(min(configuration.batchSize, 512))
        params.n_seq_max = UInt32(configuration.slots)
        params.n_threads = Int32(configuration.threads)
        params.n_threads_batch = Int32(configuration.threads)
        params.no_perf = true
        params.kv_unified = false
        guard let context = llama_init_from_model(model.pointer, params) else {
            throw NexusError(.modelLoadFailed, "llama.cpp could not create a context of \(params.n_ctx) tokens for \(path); lower the context size or the number of slots")
        }
        self.model = model
        self.context = context
        self.configuration = configuration
        self.batch = llama_batch_init(Int32(configuration.batchSize), 0, 1)
        self.slots = (0..<configuration.slots).map { Slot(sequence: llama_seq_id($0)) }
        self.promptCache = PromptCache(byteLimit: configuration.promptCacheBytes)
        let executor = DedicatedThreadExecutor(name: "nexus-engine")
        self.executor = executor
        self.unownedExecutor = executor.asUnownedSerialExecutor()
    }

    // Runs on the engine's thread, like every other use of the context.
    isolated deinit {
        embedder = nil
        llama_batch_free(batch)
        llama_free(context)
        executor.shutdown()
    }

    /// Whether the model's own template presents tools (otherwise a generic format is used).
    public nonisolated var supportsTools: Bool { model.supportsTools }
    public nonisolated var modelPath: String { model.path }

    /// Streams one generation. Ending the consumer's iteration cancels it before the next batch.
    public nonisolated func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        generate(request, promptTokens: nil)
    }

    /// Streams a generation whose prompt is given as tokens (benchmarks use random tokens).
    nonisolated func generate(_ request: GenerationRequest, promptTokens: [Int32]?) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let cancellation = CancellationFlag()
        continuation.onTermination = { _ in cancellation.set() }
        Task { await self.submit(request, promptTokens: promptTokens, continuation: continuation, cancellation: cancellation) }
        return stream
    }

    /// Drops every slot's cached tokens (benchmarks start each repetition cold).
    public func clearCache() {
        llama_memory_clear(llama_get_memory(context), true)
        promptCache.removeAll()
        for index in slots.indices where slots[index].job == nil {
            slots[index].cachedTokens = []
        }
    }

    /// Slots generating right now (the rest are idle); servers report it as busy slots.
    public var busySlots: Int {
        slots.filter { $0.job != nil }.count
    }

    /// Requests waiting for a free slot.
    public var queuedRequests: Int { waiting.count }

    /// Tokens in `text` as this model splits it.
    public func countTokens(_ text: String) -> Int {
        model.tokenize(text, addSpecial: false, parseSpecial: true).count
    }

    /// Unit-length embedding vectors of `texts`, in order (mean pooling over each text's tokens).
    /// - Throws: `NexusError(.invalidArgument)` for an empty text, `.contextOverflow` for one too long.
    public func embed(_ texts: [String]) throws -> EmbeddingResult {
        if embedder == nil {
            embedder = try Embedder(model: model, contextLength: configuration.contextLength, threads: configuration.threads)
        }
        var vectors: [[Float]] = []
        var tokens = 0
        for text in texts {
            let embedding = try embedder!.embed(text)
            vectors.append(embedding.vector)
            tokens += embedding.tokens
        }
        return EmbeddingResult(vectors: vectors, promptTokens: tokens)
    }

    // MARK: - Admission

    private func submit(_ request: GenerationRequest, promptTokens: [Int32]?,
                        continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation, cancellation: CancellationFlag) {
        do {
            let job = try makeJob(request, promptTokens: promptTokens, continuation: continuation, cancellation: cancellation)
            waiting.append(job)
            if !isLooping {
                isLooping = true
                Task { await self.runLoop() }
            }
        } catch {
            continuation.finish(throwing: error)
        }
    }

    private func makeJob(_ request: GenerationRequest, promptTokens given: [Int32]?,
                         continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation,
                         cancellation: CancellationFlag) throws -> GenerationJob {
        let (tokens, chat) = try given.map { ($0, nil) } ?? promptTokens(for: request)
        let limit = configuration.contextLength
        guard tokens.count < limit else {
            throw NexusError(.contextOverflow, "the prompt is \(tokens.count) tokens but the context holds \(limit); shorten the prompt or raise the context size (--ctx-size)")
        }
        let sampler = try makeSampler(request, chat: chat)
        for token in tokens {
            nx_sampler_accept(sampler, token, false)
        }
        return GenerationJob(promptTokens: tokens, request: request, chat: chat, sampler: sampler,
                             continuation: continuation, cancellation: cancellation)
    }


    /// How many tokens the prompt of `request` takes, as a generation would feed it.
    /// - Throws: what a generation of `request` would throw before its first token (an empty prompt, a bad tool).
    public func promptTokenCount(_ request: GenerationRequest) throws -> Int {
        try promptTokens(for: request).tokens.count
    }

    /// The prompt's tokens, and for a conversation the rendered chat the sampler needs.
    private func promptTokens(for request: GenerationRequest) throws -> (tokens: [llama_token], chat: RenderedChat?) {
        switch request.prompt {
        case .text(let text):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw NexusError(.emptyPrompt, "the prompt is empty; give the model some text")
            }
            return (model.tokenize(text, addSpecial: true, parseSpecial: false), nil)
        case .chat(let messages):
            guard messages.contains(where: { !$0.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !$0.toolCalls.isEmpty }) else {
                throw NexusError(.emptyPrompt, "the conversation is empty; send at least one message with content")
            }
            if case .function(let name) = request.toolChoice, !request.tools.contains(where: { $0.name == name }) {
                throw NexusError(.invalidArgument, "tool_choice names '\(name)', which is not among the tools given")
            }
            for tool in request.tools {
                do {
                    _ = try JSONSchema(tool.parameters)
                } catch let error as NexusError {
                    throw NexusError(error.code, "the parameters of tool '\(tool.name)': \(error.message)")
                }
            }
            let rendered = try RenderedChat(model: model, request: request, messages: messages)
            return (model.tokenize(rendered.text, addSpecial: false, parseSpecial: true), rendered)
        }
    }

    private func makeSampler(_ request: GenerationRequest, chat: RenderedChat?) throws -> OpaquePointer {
        var grammar: String?
        if let given = request.grammar {
            grammar = given
        } else if let fallback = chat?.fallbackGrammar {
            grammar = fallback
        } else if chat?.parsesToolCalls != true, let schema = try request.responseFormat.grammarSchema {
            grammar = try JSONSchemaGrammar.grammar(for: schema)
        }
        let sampling = request.sampling
        var params = nx_sampling_params(
            seed: sampling.seed ?? UInt32.random(in: 0..<UInt32.max),
            temperature: Float(sampling.temperature), top_k: Int32(sampling.topK), top_p: Float(sampling.topP),
            min_p: Float(sampling.minP), repeat_penalty: Float(sampling.repeatPenalty), repeat_last_n: Int32(sampling.repeatLastN),
            frequency_penalty: Float(sampling.frequencyPenalty), presence_penalty: Float(sampling.presencePenalty))
        var error: UnsafeMutablePointer<CChar>?
        guard let sampler = nx_sampler_init(model.pointer, &params, chat?.pointer, grammar, &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            throw NexusError(.invalidSchema, "the output grammar could not be built (\(reason))")
        }
        return sampler
    }

    /// Gives waiting jobs the free slot whose cache shares the longest prefix with their prompt.
    private func admitWaitingJobs() {
        waiting.removeAll { job in
            if job.cancellation.isSet {
                job.finish(.cancelled)
                return true
            }
            return false
        }
        while !waiting.isEmpty {
            let free = slots.indices.filter { slots[$0].job == nil }
            guard !free.isEmpty else { return }
            let job = waiting.removeFirst()
            let best = free.max { a, b in
                let (prefixA, prefixB) = (commonPrefix(slots[a].cachedTokens, job.promptTokens), commonPrefix(slots[b].cachedTokens, job.promptTokens))
                return prefixA != prefixB ? prefixA < prefixB : slots[a].lastUsed > slots[b].lastUsed
            }!
            attach(job, to: best)
        }
    }

    private func attach(_ job: GenerationJob, to index: Int) {
        let shared = commonPrefix(slots[index].cachedTokens, job.promptTokens)
        // More than a quarter of the slot is about to be dropped: keep it for its prompt's return.
        // (A conversation's next turn drops a token or two; copying its whole state is not worth it.)
        if (slots[index].cachedTokens.count - shared) * 4 > slots[index].cachedTokens.count {
            saveState(of: index)
        }
        if shared < job.promptTokens.count - 1, let entry = promptCache.bestMatch(for: job.promptTokens, longerThan: shared) {
            restore(entry, into: index)
        }
        // At least one prompt token is evaluated so the job has logits to sample from.
        var reused = min(commonPrefix(slots[index].cachedTokens, job.promptTokens), job.promptTokens.count - 1)
        let memory = llama_get_memory(context)
        if !llama_memory_seq_rm(memory, slots[index].sequence, llama_pos(reused), -1) {
            llama_memory_seq_rm(memory, slots[index].sequence, -1, -1)
            reused = 0
        }
        slots[index].cachedTokens.removeSubrange(reused...)
        job.nextPromptIndex = reused
        job.usage.cachedPromptTokens = reused
        job.admittedAt = .now
        useCounter += 1
        slots[index].lastUsed = useCounter
        slots[index].job = job
    }

    /// Copies the slot's KV state and tokens into the host-memory cache.
    private func saveState(of index: Int) {
        let tokens = slots[index].cachedTokens
        guard promptCache.isEnabled, !tokens.isEmpty, !promptCache.holds(tokens) else { return }
        let sequence = slots[index].sequence
        let size = llama_state_seq_get_size_ext(context, sequence, 0)
        guard size > 0, size <= promptCache.byteLimit else { return }
        var state = [UInt8](repeating: 0, count: size)
        let written = state.withUnsafeMutableBufferPointer { llama_state_seq_get_data_ext(context, $0.baseAddress, size, sequence, 0) }
        guard written == size else { return }
        promptCache.insert(tokens: tokens, state: state)
    }

    /// Replaces the slot's sequence with a cached state; on failure the slot is left empty.
    private func restore(_ entry: PromptCache.Entry, into index: Int) {
        let sequence = slots[index].sequence
        let read = entry.state.withUnsafeBufferPointer { llama_state_seq_set_data_ext(context, $0.baseAddress, $0.count, sequence, 0) }
        if read == entry.state.count {
            slots[index].cachedTokens = entry.tokens
        } else {
            llama_memory_seq_rm(llama_get_memory(context), sequence, -1, -1)
            slots[index].cachedTokens = []
        }
    }

    // MARK: - The batch loop

    private func runLoop() async {
        while true {
            admitWaitingJobs()
            finishCancelledJobs()
            guard slots.contains(where: { $0.job != nil }) else {
                isLooping = false
                return
            }
            step()
            // Lets submissions queued on this actor in the meantime run. Only then: a yield
            // resumes through the global executor, which costs the engine thread a sleep and a
            // wake-up per token (about 80 µs, more than a small model's whole token on a GPU).
            if executor.hasWaitingJobs { await Task.yield() }
        }
    }

    private func finishCancelledJobs() {
        for index in slots.indices {
            if let job = slots[index].job, job.cancellation.isSet {
                job.finish(.cancelled)
                slots[index].job = nil
            }
        }
    }

    /// One `llama_decode` over every active slot: one token per generating slot, then as many
    /// prompt tokens as the batch has room for.
    private func step() {
        batch.n_tokens = 0
        var outputs: [(slot: Int, batchIndex: Int32)] = []
        var evaluated: [(slot: Int, tokens: ArraySlice<llama_token>)] = []

        let generating = slots.indices.filter { slots[$0].job?.pendingToken != nil }
        for index in generating {
            let job = slots[index].job!
            let token = job.pendingToken!
            let position = slots[index].cachedTokens.count
            add(token, position: position, sequence: slots[index].sequence, wantsLogits: true)
            outputs.append((index, batch.n_tokens - 1))
            // A draft rides along when the batch and the slot's context have room for it.
            let room = min(configuration.batchSize - Int(batch.n_tokens) - (generating.count - outputs.count),
                           configuration.contextLength - position - 2)
            job.draft = draft(for: job, room: room)
            for (offset, drafted) in job.draft.enumerated() {
                add(drafted, position: position + 1 + offset, sequence: slots[index].sequence, wantsLogits: true)
            }
            evaluated.append((index, [token] + job.draft))
            job.pendingToken = nil
        }
        for index in slots.indices {
            guard let job = slots[index].job, !job.isPromptDone else { continue }
            let room = configuration.batchSize - Int(batch.n_tokens)
            guard room > 0 else { break }
            let end = min(job.promptTokens.count, job.nextPromptIndex + room)
            let chunk = job.promptTokens[job.nextPromptIndex..<end]
            var position = slots[index].cachedTokens.count
            for (offset, token) in chunk.enumerated() {
                let isLastOfPrompt = end == job.promptTokens.count && offset == chunk.count - 1
                add(token, position: position, sequence: slots[index].sequence, wantsLogits: isLastOfPrompt)
                position += 1
            }
            if end == job.promptTokens.count {
                outputs.append((index, batch.n_tokens - 1))
            }
            job.nextPromptIndex = end
            evaluated.append((index, chunk))
        }

        let status = llama_decode(context, batch)
        guard status == 0 else {
            failActiveJobs(NexusError(.inferenceFailed, "llama_decode failed with status \(status); the request was stopped, try again with a shorter prompt"))
            return
        }
        for (index, tokens) in evaluated {
            slots[index].cachedTokens.append(contentsOf: tokens)
        }
        for (index, batchIndex) in outputs {
            sampleNext(slot: index, batchIndex: batchIndex)
        }
    }

    /// The tokens checked after the pending one: the grammar's forced text when it has one
    /// (jump-forward; nearly always right), else a guess from the context when asked for.
    private func draft(for job: GenerationJob, room: Int) -> [llama_token] {
        job.draftIsForced = false
        guard room > 0 else { return [] }
        if job.request.jumpForward {
            var forced = [llama_token](repeating: 0, count: min(room, Self.largestForcedDraft))
            let count = Int(nx_sampler_forced_tokens(job.sampler, &forced, Int32(forced.count)))
            if count > 0 {
                job.draftIsForced = true
                return Array(forced.prefix(count))
            }
        }
        return job.request.speculative ? job.lookup.draft(after: job.history, room: room) : []
    }

    /// Forced text beyond this is left to the next step: a long draft's logits cost more than a
    /// step saves if its tokenization parts from the model's early on.
    private static let largestForcedDraft = 32

    private func add(_ token: llama_token, position: Int, sequence: llama_seq_id, wantsLogits: Bool) {
        let i = Int(batch.n_tokens)
        batch.token[i] = token
        batch.pos[i] = llama_pos(position)
        batch.n_seq_id[i] = 1
        batch.seq_id[i]![0] = sequence
        batch.logits[i] = wantsLogits ? 1 : 0
        batch.n_tokens += 1
    }

    private func sampleNext(slot index: Int, batchIndex: Int32) {
        guard let job = slots[index].job else { return }
        if job.firstTokenAt == nil {
            job.firstTokenAt = .now
        }
        guard job.draft.isEmpty else {
            checkDraft(slot: index, batchIndex: batchIndex)
            return
        }
        let token = nx_sampler_sample(job.sampler, context, batchIndex)
        guard token != LLAMA_TOKEN_NULL else {
            complete(slot: index, error: NexusError(.inferenceFailed, "sampling failed: no token satisfies the output grammar"))
            return
        }
        nx_sampler_accept(job.sampler, token, true)
        if take(token, slot: index) {
            job.pendingToken = token
        }
    }

    /// Samples the outputs of the pending token and its draft in turn, keeping the draft up to
    /// the first token the model would not have produced; that token is the next pending one.
    /// The rejected rest of the draft leaves the cache.
    private func checkDraft(slot index: Int, batchIndex: Int32) {
        guard let job = slots[index].job else { return }
        let draft = job.draft
        job.draft = []
        let outputs = (0...draft.count).map { batchIndex + Int32($0) }
        var accepted = [llama_token](repeating: 0, count: draft.count + 1)
        let count = Int(nx_sampler_sample_draft(job.sampler, context, outputs, draft, Int32(draft.count), &accepted))
        guard count > 0 else {
            complete(slot: index, error: NexusError(.inferenceFailed, "sampling failed: no token satisfies the output grammar"))
            return
        }
        let kept = count - 1
        if job.draftIsForced {
            job.usage.forcedTokens += draft.count
            job.usage.acceptedForcedTokens += kept
        } else {
            job.lookup.record(drafted: draft.count, taken: kept)
            job.usage.draftTokens += draft.count
            job.usage.acceptedDraftTokens += kept
        }
        let rejected = draft.count - kept
        if rejected > 0 {
            let end = slots[index].cachedTokens.count - rejected
            llama_memory_seq_rm(llama_get_memory(context), slots[index].sequence, llama_pos(end), -1)
            slots[index].cachedTokens.removeLast(rejected)
        }
        for (position, token) in accepted.prefix(count).enumerated() {
            guard take(token, slot: index) else { return }
            if position == count - 1 { job.pendingToken = token }
        }
    }

    /// Handles one sampled and accepted token: streams its text and ends the job when it is the
    /// last. Returns whether the job goes on.
    private func take(_ token: llama_token, slot index: Int) -> Bool {
        guard let job = slots[index].job else { return false }
        job.generatedTokens += 1
        job.history.append(token)
        if model.isEndOfGeneration(token) && !job.request.ignoreEndOfGeneration {
            complete(slot: index, reason: .stop)
            return false
        }
        let (text, stopped) = job.filter.append(model.piece(token, special: job.renderSpecialTokens))
        job.release(text)
        if stopped {
            job.stoppedBySequence = true
            complete(slot: index, reason: .stop)
        } else if job.holdsCompleteBareCall {
            complete(slot: index, reason: .stop)
        } else if let maxTokens = job.request.maxTokens, job.generatedTokens >= maxTokens {
            complete(slot: index, reason: .length)
        } else if slots[index].cachedTokens.count + 1 >= configuration.contextLength {
            complete(slot: index, reason: .length)
        } else {
            return true
        }
        return false
    }

    private func complete(slot index: Int, reason: FinishReason) {
        guard let job = slots[index].job else { return }
        slots[index].job = nil
        job.finish(reason)
    }

    private func complete(slot index: Int, error: NexusError) {
        guard let job = slots[index].job else { return }
        slots[index].job = nil
        job.continuation.finish(throwing: error)
    }

    private func failActiveJobs(_ error: NexusError) {
        for index in slots.indices where slots[index].job != nil {
            // The cache may hold a partial batch: forget it rather than trust it.
            llama_memory_seq_rm(llama_get_memory(context), slots[index].sequence, -1, -1)
            slots[index].cachedTokens = []
            complete(slot: index, error: error)
        }
    }
}
