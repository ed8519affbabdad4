import Hummingbird
import NexusCore

/// `/health`, `/api/version` and `/metrics` (for the default org's keys: its series name every org's keys).
struct ServiceRoutes: Sendable {
    let service: InferenceService
    let version: String

    func register(on router: Router<NexusRequestContext>) {
        router.get("/health") { _, _ in Response.json(["status": "ok"]) }
        router.get("/api/version") { _, _ in Response.json(["version": .string(version)]) }
        router.get("/metrics") { _, context in
            // The series count every org's keys and runs: they are the server's, not a tenant's.
            guard (context.caller ?? .anonymous).org == .default else {
                throw NexusError(.notFound, "/metrics is the server's own telemetry, served to keys of the default org; GET /admin/usage reports your org's usage")
            }
            let loaded = await service.pool.loaded()
            var busy = 0
            for model in loaded { busy += await EngineLoad.busySlots(of: model.backend) }
            service.metrics.setLoad(
                queueDepth: await service.gate.queued, busySlots: busy, loadedModels: loaded.count,
                inFlight: await service.gate.inFlight)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: service.metrics.render())))
        }
        // HEAD / and GET / answer like Ollama's root, which some clients use as a liveness check.
        router.get("/") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "Nexus is running"))) }
        router.head("/") { _, _ in Response(status: .ok) }
    }
}
