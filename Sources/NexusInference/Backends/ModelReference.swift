public import Foundation
import NexusCore

/// How a user names the model a backend should serve, as written on the command line or in a config.
///
/// | text | reference |
/// | --- | --- |
/// | `openai:http://127.0.0.1:8080/v1#qwen2.5` | a remote OpenAI-compatible endpoint and the model it serves |
/// | `script:Tests/fixtures/agent.json` | a ``ScriptedBackend`` replaying canned responses |
/// | `models/qwen.gguf`, `./a/b` | a GGUF file on disk |
/// | `qwen2.5-coder` | a model installed under that name |
/// | `gateway:chat` | the gateway's routes for a purpose (see ``GatewayConfiguration``) |
public enum ModelReference: Sendable, Hashable, CustomStringConvertible {
    /// A model installed in the local model store, by name.
    case named(String)
    /// A GGUF file on disk.
    case path(String)
    /// A model served by an OpenAI-compatible endpoint; `baseURL` ends before `/chat/completions`.
    case openAI(baseURL: URL, model: String)
    /// A script of canned responses (see ``ScriptedBackend``).
    case script(String)
    /// The gateway, routing by the purpose's routes (`gateway:PURPOSE`).
    case gateway(GatewayPurpose)

    static let openAIPrefix = "openai:"
    static let scriptPrefix = "script:"

    /// Reads a reference from its text form.
    ///
    /// - Parameter text: `openai:URL#MODEL`, `script:PATH`, a path (ends in `.gguf` or contains `/`), or a name.
    /// - Throws: `NexusError` with code `invalidArgument` when the text is empty, or an `openai:` reference
    ///   has no model after `#` or no usable `http(s)` URL, or a `script:` reference has no path.
    public init(parsing text: String) throws {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw NexusError(.invalidArgument,
                             "the model reference is empty; give a model name, a .gguf path, script:PATH or openai:URL#MODEL")
        }
        if text.lowercased().hasPrefix(Self.openAIPrefix) {
            self = try Self.parseOpenAI(text)
        } else if text.lowercased().hasPrefix(Self.scriptPrefix) {
            let path = String(text.dropFirst(Self.scriptPrefix.count))
            guard !path.isEmpty else {
                throw NexusError(.invalidArgument,
                                 "the model reference '\(text)' names no script; write script:PATH to a JSON script file")
            }
            self = .script(path)
        } else if text.lowercased().hasPrefix(GatewayPurpose.modelPrefix) {
            self = .gateway(try GatewayPurpose(modelName: text))
        } else if text.lowercased().hasSuffix(".gguf") || text.contains("/") {
            self = .path(text)
        } else {
            self = .named(text)
        }
    }

    /// The text form, which ``init(parsing:)`` reads back to the same reference.
    public var description: String {
        switch self {
        case .named(let name): name
        case .path(let path): path
        case .openAI(let baseURL, let model): "\(Self.openAIPrefix)\(baseURL.absoluteString)#\(model)"
        case .script(let path): "\(Self.scriptPrefix)\(path)"
        case .gateway(let purpose): purpose.modelName
        }
    }

    private static func parseOpenAI(_ text: String) throws -> ModelReference {
        let body = text.dropFirst(openAIPrefix.count)
        let example = "openai:http://127.0.0.1:8080/v1#MODEL"
        guard let hash = body.firstIndex(of: "#") else {
            throw NexusError(.invalidArgument,
                             "the model reference '\(text)' names no model; add '#MODEL' after the URL, as in \(example)")
        }
        let address = String(body[..<hash])
        let model = String(body[body.index(after: hash)...])
        guard !model.isEmpty else {
            throw NexusError(.invalidArgument,
                             "the model reference '\(text)' has an empty model after '#'; write it as \(example)")
        }
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else {
            throw NexusError(.invalidArgument,
                             "the model reference '\(text)' has no http(s) URL before '#'; write it as \(example)")
        }
        return .openAI(baseURL: url, model: model)
    }
}
