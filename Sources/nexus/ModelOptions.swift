import ArgumentParser
import Foundation
import NexusCore
import NexusInference
import NexusRuntime
import NexusStore

/// The options every command that runs a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "A model name from `nexus models list`, a .gguf path, openai:URL#MODEL, script:PATH, or gateway:PURPOSE for gateway.json's routes.")
    var model: String?

    @Option(name: .customLong("ctx-size"), help: "Tokens of context.")
    var contextLength: Int?

    @Option(name: [.customShort("t"), .long], help: "CPU threads.")
    var threads: Int?

    /// Loads the backend, showing load progress when stderr is a terminal.
    func loadBackend(slots: Int? = nil) async throws -> any InferenceBackend {
        let factory = BackendFactory(configuration: NexusConfiguration())
        let name = model ?? factory.configuration.defaultModel
        let progress = LoadProgress(label: name)
        defer { progress.finish() }
        return try await factory.backend(
            for: name, engine: factory.engineConfiguration(contextLength: contextLength, threads: threads, slots: slots),
            progress: progress.report)
    }
}

extension ModelOptions {
    /// The backend of a command that generates for `purpose`: `--model` (`gateway:PURPOSE` routes
    /// through the gateway), else the purpose's routes when `$NEXUS_HOME/gateway.json` exists,
    /// else the default model.
    /// - Parameter load: load a local model now, with progress, rather than on its first use.
    func backend(for purpose: GatewayPurpose, database: NexusDatabase, load: Bool) async throws -> any InferenceBackend {
        if let routed = try AgentFactory(configuration: NexusConfiguration()).routedBackend(model: model, purpose: purpose, database: database) {
            return routed
        }
        return load ? try await loadBackend() : try deferredBackend()
    }

    /// The backend, its model loaded only when first asked to generate.
    func deferredBackend() throws -> any InferenceBackend {
        let factory = BackendFactory(configuration: NexusConfiguration())
        let name = model ?? factory.configuration.defaultModel
        let progress = LoadProgress(label: name)
        return try factory.deferredBackend(
            for: name, engine: factory.engineConfiguration(contextLength: contextLength, threads: threads), progress: progress.report)
    }
}

/// "loading MODEL 42%" on a terminal; nothing when stderr is redirected.
final class LoadProgress: Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1

    init(label: String) { self.label = label }

    var report: (@Sendable (Double) -> Void)? {
        guard enabled else { return nil }
        let label = self.label
        return { fraction in
            FileHandle.standardError.write(Data("\rloading \(label) \(Int(fraction * 100))%".utf8))
        }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
