import NexusCore
import NexusInference

/// What the server can read of a loaded model's engine (local llama.cpp models only).
enum EngineLoad {
    static func contextLength(of backend: any InferenceBackend) -> Int? {
        (backend as? LocalBackend)?.engine.configuration.contextLength
    }

    static func busySlots(of backend: any InferenceBackend) async -> Int {
        guard let local = backend as? LocalBackend else { return 0 }
        return await local.engine.busySlots
    }
}
