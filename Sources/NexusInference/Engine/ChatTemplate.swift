import Foundation
public import NexusCore

/// A model's chat template on its own, without weights: renders requests into prompt text and
/// parses model output back into content and tool calls, exactly as the engine does.
public struct ChatTemplate: Sendable {
    let model: LlamaModel

    /// Loads the vocabulary of the GGUF at `modelPath`, with `overrideTemplate` (Jinja) in place
    /// of the model's own template when given.
    /// - Throws: `NexusError(.modelNotFound | .modelLoadFailed | .templateFailed)`.
    public static func load(modelPath: String, overrideTemplate: String? = nil) throws -> ChatTemplate {
        ChatTemplate(model: try LlamaModel(path: modelPath, vocabularyOnly: true, templateOverride: overrideTemplate))
    }

    /// Whether the template presents tools to the model itself.
    public var supportsTools: Bool { model.supportsTools }

    /// The prompt text for a chat request, and the name of the output format it expects.
    /// - Throws: `NexusError(.templateFailed)`; `.invalidArgument` for a raw-text prompt.
    public func render(_ request: GenerationRequest) throws -> (prompt: String, format: String) {
        let chat = try RenderedChat(model: model, request: request, messages: Self.messages(of: request))
        return (chat.text, chat.format)
    }

    /// The GBNF grammar the engine samples a chat request's output under (its own fallback
    /// form's for a template that cannot present tools); empty when the output is free text.
    public func grammar(_ request: GenerationRequest) throws -> String {
        let chat = try RenderedChat(model: model, request: request, messages: Self.messages(of: request))
        return chat.fallbackGrammar ?? chat.grammar
    }

    /// Splits `output` into answer content and tool calls validated against the request's tools.
    /// - Parameter cutOff: the output stopped at its token limit, as the engine parses it then.
    /// - Throws: `NexusError(.invalidToolCall)` when a call is malformed or breaks its schema.
    public func parse(_ output: String, for request: GenerationRequest, cutOff: Bool = false) throws -> (content: String, toolCalls: [ToolCall]) {
        try RenderedChat(model: model, request: request, messages: Self.messages(of: request)).answer(from: output, partial: cutOff)
    }

    private static func messages(of request: GenerationRequest) throws -> [ChatMessage] {
        guard case .chat(let messages) = request.prompt else {
            throw NexusError(.invalidArgument, "a chat template renders conversations, not raw text prompts")
        }
        return messages
    }
}
