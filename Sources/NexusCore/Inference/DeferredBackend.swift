/// A backend that loads its model on the first generation, not before: a run that HOPE carries
/// out without the model (a follower, a crystallized module) never pays for loading one.
public final class DeferredBackend: InferenceBackend, @unchecked Sendable {
    public let modelName: String
    private let loader: Loader

    /// - Parameters:
    ///   - modelName: The name runs record (known before loading).
    ///   - load: Loads the real backend; called once, on first use.
    public init(modelName: String, load: @escaping @Sendable () async throws -> any InferenceBackend) {
        self.modelName = modelName
        self.loader = Loader(load: load)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let loader = loader
        let task = Task {
            do {
                let backend = try await loader.backend()
                for try await event in backend.generate(request) {
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Whether the model was loaded (for tests and reports).
    public var isLoaded: Bool {
        get async { await loader.isLoaded }
    }

    private actor Loader {
        let load: @Sendable () async throws -> any InferenceBackend
        var loaded: (any InferenceBackend)?

        init(load: @escaping @Sendable () async throws -> any InferenceBackend) {
            self.load = load
        }

        var isLoaded: Bool { loaded != nil }

        func backend() async throws -> any InferenceBackend {
            if let loaded { return loaded }
            let backend = try await load()
            loaded = backend
            return backend
        }
    }
}
