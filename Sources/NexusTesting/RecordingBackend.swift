public import NexusCore
import Synchronization

/// Wraps a backend and keeps every request it was given, so tests can see the prompts.
public final class RecordingBackend: InferenceBackend {
    public let wrapped: any InferenceBackend
    private let recorded = Mutex<[GenerationRequest]>([])

    public init(wrapping backend: any InferenceBackend) {
        self.wrapped = backend
    }

    public var modelName: String { wrapped.modelName }

    /// The requests so far, oldest first.
    public var requests: [GenerationRequest] { recorded.withLock { $0 } }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        recorded.withLock { $0.append(request) }
        return wrapped.generate(request)
    }
}
