import Foundation
import Hummingbird
import NexusCore

/// `/health`, `/api/version`, `/metrics` and `/metrics/summary` (for the default org's keys: they
/// count every org's traffic; what each key used only for its administrators).
struct ServiceRoutes: Sendable {
    let service: InferenceService
    let version: String
    let boundToLoopback: Bool

    func register(on router: Router<NexusRequestContext>) {
        router.get("/health") { _, _ in Response.json(["status": "ok"]) }
        router.get("/api/version") { _, _ in Response.json(["version": .string(version)]) }
        router.get("/metrics") { _, context in
            // The series count every org's keys and runs: they are the server's, not a tenant's.
            guard (context.caller ?? .anonymous).org == .default else {
                throw NexusError(.notFound, "/metrics is the server's own telemetry, served to keys of the default org; GET /admin/usage reports your org's usage")
            }
            let load = await load()
            service.metrics.setLoad(queueDepth: load.queued, busySlots: load.models.reduce(0) { $0 + $1.busySlots },
                                    loadedModels: load.models.count, inFlight: load.inFlight)
            // What each key used is shown to those who may read every org's usage, not to any viewer.
            let text = service.metrics.render(withUsageByKey: mayReadUsageByKey(context.caller ?? .anonymous))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/metrics/summary") { _, context in
            guard (context.caller ?? .anonymous).org == .default else {
                throw NexusError(.notFound, "/metrics/summary is the server's own telemetry, served to keys of the default org; GET /admin/usage reports your org's usage")
            }
            let metrics = service.metrics
            return Response.json(MetricsSummary.json(minutes: metrics.minutes.lastHour(), load: await load(), version: version,
                                                     uptime: Date().timeIntervalSince(metrics.started)))
        }
    }

    /// A default-org caller who administers the server (an admin or owner key, or no key where
    /// the loopback rules grant administration).
    private func mayReadUsageByKey(_ caller: Caller) -> Bool {
        guard caller.org == .default else { return false }
        return AccessPolicy.decide(permission: .administer, key: caller.key, boundToLoopback: boundToLoopback).isAllowed
    }

    private func load() async -> MetricsSummary.Load {
        var models: [(name: String, busySlots: Int)] = []
        for model in await service.pool.loaded() {
            models.append((model.name, await EngineLoad.busySlots(of: model.backend)))
        }
        return MetricsSummary.Load(models: models, queued: await service.gate.queued, inFlight: await service.gate.inFlight)
    }
}
