import CLlama
import Foundation
import NexusCore

/// Process-wide llama.cpp initialisation, done once before the first model loads.
enum LlamaBackend {
    private static let initialised: Bool = {
        nx_log_quiet(ProcessInfo.processInfo.environment["NEXUS_LLAMA_LOG"] == nil)
        llama_backend_init()
        return true
    }()

    static func ensureInitialised() {
        _ = initialised
    }
}

/// A loaded GGUF model: weights, vocabulary and chat templates. Immutable once loaded and
/// shared by the engine's contexts; freed when the last reference goes.
final class LlamaModel: @unchecked Sendable {
    let pointer: OpaquePointer
    let vocab: OpaquePointer
    let templates: OpaquePointer
    let path: String
    let trainedContextLength: Int
    let supportsTools: Bool

    /// Loads the model at `path`, reporting progress in [0, 1].
    /// - Parameters:
    ///   - vocabularyOnly: load the tokenizer and metadata but no weights (templates, tokens).
    ///   - templateOverride: a Jinja chat template to use instead of the model's own.
    /// - Throws: `NexusError(.modelLoadFailed)` naming the file.
    init(path: String, vocabularyOnly: Bool = false, templateOverride: String? = nil,
         progress: (@Sendable (Double) -> Void)? = nil) throws {
        LlamaBackend.ensureInitialised()
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
        let template = templateOverride
            ?? FallbackChatTemplate.template(architecture: file.architecture, hasChatTemplate: file.hasChatTemplate)
        var params = llama_model_default_params()
        params.n_gpu_layers = 999
        params.vocab_only = vocabularyOnly
        let box = progress.map { ProgressBox(report: $0) }
        if let box {
            params.progress_callback = { value, userData in
                Unmanaged<ProgressBox>.fromOpaque(userData!).takeUnretainedValue().report(Double(value))
                return true
            }
            params.progress_callback_user_data = Unmanaged.passUnretained(box).toOpaque()
        }
        guard let model = withExtendedLifetime(box, { llama_model_load_from_file(path, params) }) else {
            throw NexusError(.modelLoadFailed, "llama.cpp could not load \(path) (unsupported architecture or damaged file); re-download it or pick another model")
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let templates = nx_templates_init(model, template, &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            llama_model_free(model)
            throw NexusError(.templateFailed, "the chat template of \(path) cannot be used (\(reason))")
        }
        self.pointer = model
        self.vocab = llama_model_get_vocab(model)
        self.templates = templates
        self.path = path
        self.trainedContextLength = Int(llama_model_n_ctx_train(model))
        self.supportsTools = nx_templates_support_tools(templates)
    }

    deinit {
        nx_templates_free(templates)
        llama_model_free(pointer)
    }

    /// Tokens of `text`; `special` parses control tokens written in the text (chat prompts).
    func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [llama_token] {
        let utf8Count = text.utf8.count
        var tokens = [llama_token](repeating: 0, count: utf8Count + 8)
        var count = llama_tokenize(vocab, text, Int32(utf8Count), &tokens, Int32(tokens.count), addSpecial, parseSpecial)
        if count < 0 {
            tokens = [llama_token](repeating: 0, count: Int(-count))
            count = llama_tokenize(vocab, text, Int32(utf8Count), &tokens, Int32(tokens.count), addSpecial, parseSpecial)
        }
        return Array(tokens.prefix(Int(max(count, 0))))
    }

    /// The bytes a token stands for (may be part of a UTF-8 character).
    func piece(_ token: llama_token, special: Bool) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var count = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, special)
        if count < 0 {
            buffer = [CChar](repeating: 0, count: Int(-count))
            count = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, special)
        }
        return buffer.prefix(Int(max(count, 0))).map { UInt8(bitPattern: $0) }
    }

    func isEndOfGeneration(_ token: llama_token) -> Bool {
        llama_vocab_is_eog(vocab, token)
    }

    var tokenCount: Int { Int(llama_vocab_n_tokens(vocab)) }
}

private final class ProgressBox: @unchecked Sendable {
    let report: @Sendable (Double) -> Void
    init(report: @escaping @Sendable (Double) -> Void) { self.report = report }
}

extension LlamaModel {
    /// The beginning-of-sequence token (token 0 when the vocabulary has none).
    var beginningToken: Int32 {
        let token = llama_vocab_bos(vocab)
        return token == LLAMA_TOKEN_NULL ? 0 : token
    }
}
