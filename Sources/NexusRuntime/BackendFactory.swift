public import Foundation
public import NexusCore
public import NexusInference

/// Turns a model reference into a ready backend: a store name or `.gguf` path loads llama.cpp
/// in-process, `openai:URL#MODEL` talks to a remote server, `script:PATH` replays a script.
public struct BackendFactory: Sendable {
    public let configuration: NexusConfiguration
    public let store: ModelStore

    public init(configuration: NexusConfiguration) {
        self.configuration = configuration
        self.store = ModelStore(home: configuration.home)
    }

    /// The engine settings this configuration asks for, with per-command overrides.
    public func engineConfiguration(contextLength: Int? = nil, threads: Int? = nil, slots: Int? = nil) -> EngineConfiguration {
        EngineConfiguration(
            contextLength: contextLength ?? configuration.contextLength,
            slots: slots ?? configuration.slots,
            threads: threads ?? configuration.threads,
            promptCacheBytes: configuration.promptCacheMegabytes << 20)
    }

    /// A backend for `reference` (the configured default model when nil).
    /// - Parameter progress: model-load progress in [0, 1], for local models.
    /// - Throws: `NexusError` naming the model and the next step.
    public func backend(for reference: String?, engine: EngineConfiguration? = nil,
                        progress: (@Sendable (Double) -> Void)? = nil) async throws -> any InferenceBackend {
        switch try resolve(reference) {
        case .ready(let backend): return backend
        case .local(let name, let path):
            let engine = try await LlamaEngine.load(path: path, configuration: engine ?? engineConfiguration(), progress: progress)
            return LocalBackend(modelName: name, engine: engine)
        }
    }

    /// Like `backend(for:)`, but a local model is only checked (name, file) now and loaded on the
    /// first generation: agent runs that HOPE finishes without the model never load it.
    /// - Throws: `NexusError` naming the model and the next step.
    public func deferredBackend(for reference: String?, engine: EngineConfiguration? = nil, apiKey: String? = nil,
                                progress: (@Sendable (Double) -> Void)? = nil) throws -> any InferenceBackend {
        switch try resolve(reference, apiKey: apiKey) {
        case .ready(let backend): return backend
        case .local(let name, let path):
            let engine = engine ?? engineConfiguration()
            return DeferredBackend(modelName: name) {
                LocalBackend(modelName: name, engine: try await LlamaEngine.load(path: path, configuration: engine, progress: progress))
            }
        }
    }

    /// What a reference names: a backend that costs nothing to make, or a local model file to load.
    private enum Resolved {
        case ready(any InferenceBackend)
        case local(name: String, path: String)
    }

    private func resolve(_ reference: String?, apiKey: String? = nil) throws -> Resolved {
        let text = reference ?? configuration.defaultModel
        switch try ModelReference(parsing: text) {
        case .openAI(let baseURL, let model):
            return .ready(OpenAIBackend(baseURL: baseURL, model: model, apiKey: apiKey))
        case .script(let path):
            return .ready(try ScriptedBackend(scriptURL: URL(fileURLWithPath: path)))
        case .gateway:
            throw NexusError(.invalidArgument, "\(text) routes through the gateway, which this command does not use; name a model")
        case let local:
            return .local(name: text, path: try store.path(for: local))
        }
    }

    /// The gateway over `$NEXUS_HOME/gateway.json` (without it, every purpose goes to
    /// `defaultModel`, else the configured default model). Local routes load on first use; an
    /// `openai:` route's credential is read from `credentials`.
    /// - Throws: `NexusError(.invalidArgument)` naming what in gateway.json is wrong.
    public func gateway(defaultModel: String? = nil, credentials: (@Sendable (String) throws -> String?)? = nil,
                        journal: (any GatewayJournal)? = nil) throws -> Gateway {
        let configuration = try defaultModel.map { GatewayConfiguration(defaultModel: $0) }
            ?? GatewayConfiguration.load(home: self.configuration.home, defaultModel: self.configuration.defaultModel)
        return Gateway(configuration: configuration, makeBackend: { reference, key in
            try deferredBackend(for: reference, apiKey: key)
        }, credential: { name in try credentials?(name) }, journal: journal)
    }
}
