import Foundation
import NexusAgent
import NexusCore
import ServiceLifecycle

/// The toolsmith builds a server is running: at most ``maxBuilds`` at once (each holds a model
/// for minutes), each its own task, cancelled when the server shuts down. A Service so that
/// shutdown reaches it; a build cut short is marked failed with why.
actor ModuleBuildHub: Service {
    static let maxBuilds = 2
    private var running: [String: Task<Void, Never>] = [:]
    /// Builds that ended before ``start(_:_:actor:finished:)`` could list them.
    private var endedEarly: Set<String> = []

    /// Starts a build and returns its id once it is recorded.
    /// - Throws: `NexusError(.overloaded)` when ``maxBuilds`` are running; the store's errors.
    func start(_ toolsmith: Toolsmith, _ specification: ModuleSpecification, actor: String,
               finished: @escaping @Sendable (Toolsmith.Outcome) async -> Void) async throws -> String {
        guard running.count < Self.maxBuilds else {
            throw NexusError(.overloaded, "\(Self.maxBuilds) module builds are running; start this one when one ends (GET /admin/modules/builds)")
        }
        let (id, ready) = AsyncThrowingStream<String, any Error>.makeStream()
        let task = Task {
            do {
                let outcome = try await toolsmith.build(specification, actor: actor, onStart: { id in ready.yield(id); ready.finish() })
                await finished(outcome)
                self.end(outcome.buildID)
            } catch {
                // Refused before it was recorded (a built-in tool's name), or the store failed: the request hears why.
                ready.finish(throwing: error)
            }
        }
        for try await buildID in id {
            if endedEarly.remove(buildID) == nil { running[buildID] = task }
            return buildID
        }
        throw NexusError(.databaseFailed, "the build could not be recorded; see the server log")
    }

    private func end(_ id: String) {
        if running.removeValue(forKey: id) == nil { endedEarly.insert(id) }
    }

    func run() async throws {
        try? await gracefulShutdown()
        for task in running.values { task.cancel() }
    }
}
