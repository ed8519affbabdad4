import CLlama
import NexusCore

/// A second llama.cpp context over the engine's model, made for embeddings: mean pooling over the
/// tokens of one text, normalised to unit length. Created on the first embedding request and owned
/// by the engine actor, so it never competes with generation for the same KV cache.
final class Embedder {
    private let context: OpaquePointer
    private let model: LlamaModel
    private let dimensions: Int
    /// Most tokens one text may have: the whole text must fit in one batch for pooling.
    let capacity: Int

    init(model: LlamaModel, contextLength: Int, threads: Int) throws {
        var params = llama_context_default_params()
        let capacity = min(contextLength, 8192)
        params.n_ctx = UInt32(capacity)
        params.n_batch = UInt32(capacity)
        params.n_ubatch = UInt32(capacity)
        params.n_seq_max = 1
        params.n_threads = Int32(threads)
        params.n_threads_batch = Int32(threads)
        params.embeddings = true
        params.pooling_type = LLAMA_POOLING_TYPE_MEAN
        params.no_perf = true
        guard let context = llama_init_from_model(model.pointer, params) else {
            throw NexusError(.modelLoadFailed, "llama.cpp could not create an embedding context for \(model.path); lower the context size")
        }
        self.context = context
        self.model = model
        self.capacity = capacity
        self.dimensions = Int(llama_model_n_embd(model.pointer))
    }

    deinit {
        llama_free(context)
    }

    /// The unit vector of `text` and the number of tokens it took.
    func embed(_ text: String) throws -> (vector: [Float], tokens: Int) {
        let tokens = model.tokenize(text, addSpecial: true, parseSpecial: false)
        guard !text.isEmpty, !tokens.isEmpty else {
            throw NexusError(.invalidArgument, "cannot embed an empty text; remove it from the input")
        }
        guard tokens.count <= capacity else {
            throw NexusError(.contextOverflow, "a text to embed has \(tokens.count) tokens but at most \(capacity) fit; split it into shorter pieces")
        }
        llama_memory_clear(llama_get_memory(context), true)
        var batch = llama_batch_init(Int32(tokens.count), 0, 1)
        defer { llama_batch_free(batch) }
        for (position, token) in tokens.enumerated() {
            batch.token[position] = token
            batch.pos[position] = llama_pos(position)
            batch.n_seq_id[position] = 1
            batch.seq_id[position]![0] = 0
            batch.logits[position] = 1
        }
        batch.n_tokens = Int32(tokens.count)
        let status = llama_decode(context, batch)
        guard status == 0, let pooled = llama_get_embeddings_seq(context, 0) else {
            throw NexusError(.inferenceFailed, "llama.cpp could not compute the embedding (status \(status)); try a shorter text")
        }
        let vector = Array(UnsafeBufferPointer(start: pooled, count: dimensions))
        let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return (norm > 0 ? vector.map { Float(Double($0) / norm) } : vector, tokens.count)
    }
}
