import Foundation
import NexusCore
import NexusInference

/// The gateway of `nexus serve`: a local route borrows the model from the pool the APIs share
/// (loaded once, released after each generation), an `openai:` route calls its endpoint with its
/// credential. A `.gguf` path is not a route here: the server serves installed models only.
enum ServerGateway {
    static func make(_ configuration: GatewayConfiguration, pool: ModelPool,
                     credential: @escaping Gateway.CredentialReader, journal: (any GatewayJournal)?) -> Gateway {
        Gateway(configuration: configuration, makeBackend: { reference, key in
            switch try ModelReference(parsing: reference) {
            case .openAI(let url, let model): OpenAIBackend(baseURL: url, model: model, apiKey: key)
            case .script(let path): try ScriptedBackend(scriptURL: URL(fileURLWithPath: path))
            case .named(let name): PooledBackend(pool: pool, modelName: name)
            case .path(let path):
                throw NexusError(.invalidArgument, "the gateway route \(path) is a file; the server serves installed models only (nexus models create NAME -f Modelfile)")
            case .gateway:
                throw NexusError(.invalidArgument, "the gateway route \(reference) names the gateway itself; name an installed model or openai:URL#MODEL")
            }
        }, credential: credential, journal: journal)
    }
}

/// A model of the pool as a backend: leased for each generation or embedding and given back when it ends.
struct PooledBackend: InferenceBackend, EmbeddingBackend {
    let pool: ModelPool
    let modelName: String

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let (pool, name) = (pool, modelName)
        let task = Task {
            do {
                let (backend, _) = try await pool.acquire(name)
                do {
                    for try await event in backend.generate(request) { continuation.yield(event) }
                    await pool.release(name, keepAlive: nil)
                    continuation.finish()
                } catch {
                    await pool.release(name, keepAlive: nil)
                    throw error
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func embed(_ texts: [String]) async throws -> EmbeddingResult {
        let (backend, _) = try await pool.acquire(modelName)
        do {
            guard let embedder = backend as? any EmbeddingBackend else {
                throw NexusError(.invalidArgument, "model '\(modelName)' cannot make embeddings; route embed to a local GGUF model")
            }
            let result = try await embedder.embed(texts)
            await pool.release(modelName, keepAlive: nil)
            return result
        } catch {
            await pool.release(modelName, keepAlive: nil)
            throw error
        }
    }
}
