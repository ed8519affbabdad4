import Foundation
import NexusAgent
import NexusCore
import NexusStore

/// The agent runs started by this server: each runs on a task of its own, its events are kept in
/// order so that a client can replay them from any point (`Last-Event-ID`) and then follow live.
actor AgentRunHub {
    private struct LiveRun {
        var events: [RecordedEvent] = []
        var followers: [UUID: AsyncStream<RecordedEvent>.Continuation] = [:]
        var task: Task<Void, Never>?
        var finished = false
    }

    private var runs: [String: LiveRun] = [:]
    /// Finished runs in the order they ended; beyond `keptFinished` the oldest are forgotten
    /// here (their events are then replayed from the store), so memory stays bounded.
    private var finishedOrder: [String] = []
    private let keptFinished = 256
    private let metrics: ServerMetrics
    /// Runs going at once, and places taken by runs about to start.
    private let maxActiveRuns: Int
    private var places = 0

    init(metrics: ServerMetrics, maxActiveRuns: Int) {
        self.metrics = metrics
        self.maxActiveRuns = maxActiveRuns
    }

    /// Takes a place for a new run, to be given back with `releasePlace` when it ends.
    /// - Throws: `NexusError(.overloaded)` (503, Retry-After) when `maxActiveRuns` are going.
    func takePlace() throws {
        guard places < maxActiveRuns else {
            throw NexusError(.overloaded, "\(maxActiveRuns) agent runs are going, the most this server carries on at once; retry when one ends (NEXUS_MAX_AGENT_RUNS raises the limit)")
        }
        places += 1
    }

    func releasePlace() {
        places = max(0, places - 1)
    }

    /// Starts `events` (a runner's stream) and returns the run's id once the runner has created it.
    /// - Parameters:
    ///   - store: Where the run is stored (its org's runs): a run whose stream ends while it is
    ///     still `running` is ended there.
    ///   - onEnd: called when the run ends, however it ends (releases the model), with the run's
    ///     id when it got one.
    /// - Throws: the runner's error if it fails before the run exists (e.g. an empty task).
    func start(_ events: AsyncThrowingStream<AgentEvent, any Error>, store: RunStore,
               onEnd: @escaping @Sendable (String?) async -> Void) async throws -> String {
        let (idStream, idContinuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let task = Task {
            var runID: String?
            var failure: (any Error)?
            do {
                for try await event in events {
                    if case .started(let id, _, _) = event {
                        runID = id
                        self.register(id)
                        idContinuation.yield(id)
                        idContinuation.finish()
                    }
                    if case .toolResult(_, let call, let result, _) = event {
                        metrics.recordToolCall(tool: call.name, outcome: result.status.rawValue)
                    }
                    if let runID { self.append(event, to: runID) }
                }
            } catch {
                failure = error
                if let runID {
                    // A cancelled run ends with `finished` (status cancelled) once stored, as its replay does.
                    if !(error is CancellationError) { self.appendFailure(error, to: runID) }
                } else {
                    idContinuation.finish(throwing: error)
                }
            }
            // What ends the run (storing its end, releasing, metering) must happen even when the
            // run was cancelled: a new task does not inherit the cancellation, which would make
            // every async store access below fail at once.
            let cancelled = Task.isCancelled
            await Task {
                if let runID {
                    await self.settle(runID, in: store, failure: failure, cancelled: cancelled)
                    if failure is CancellationError || (failure == nil && cancelled) { await self.appendEnd(of: runID, in: store) }
                    await self.finish(runID)
                }
                await onEnd(runID)
            }.value
        }
        for try await id in idStream {
            runs[id]?.task = task
            return id
        }
        throw NexusError(.inferenceFailed, "the agent run ended before it started; try again")
    }

    /// Cancels every live run and waits, at most `limit`, until each has ended: stored as
    /// cancelled, its model and place released, its usage settled. For a graceful shutdown.
    /// - Returns: How many runs were live.
    @discardableResult
    func cancelAll(waitingAtMost limit: Duration) async -> Int {
        let live = runs.values.filter { !$0.finished }.compactMap(\.task)
        for task in live { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in live { await task.value } }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        return live.count
    }

    /// Whether `id` runs in this server now or ran here since it started.
    func isKnown(_ id: String) -> Bool { runs[id] != nil }

    /// Whether `id` runs in this server now.
    func isLive(_ id: String) -> Bool { runs[id].map { !$0.finished } ?? false }

    /// Events after `sequence`, then the live ones until the run ends; nil if the run is not known here.
    func events(of id: String, after sequence: Int) -> AsyncStream<RecordedEvent>? {
        guard var run = runs[id] else { return nil }
        let (stream, continuation) = AsyncStream<RecordedEvent>.makeStream()
        for event in run.events where event.sequence > sequence { continuation.yield(event) }
        if run.finished {
            continuation.finish()
            return stream
        }
        let key = UUID()
        run.followers[key] = continuation
        runs[id] = run
        continuation.onTermination = { _ in Task { await self.unfollow(id, key) } }
        return stream
    }

    /// Cancels a live run; the runner marks it cancelled in the store and ends its stream.
    /// - Returns: false if the run is not live here or already ended.
    func cancel(_ id: String) -> Bool {
        guard let run = runs[id], !run.finished, let task = run.task else { return false }
        task.cancel()
        return true
    }

    /// Ends the run in the store if its stream stopped while the store still says `running`:
    /// the runner ends a run itself when it answers, runs out of budget or is cancelled, but an
    /// error (the backend failed, a store write failed) ends its stream with the run unfinished.
    /// Such a run is `failed`, with the error kept; a cancelled one is `cancelled`.
    private func settle(_ id: String, in store: RunStore, failure: (any Error)?, cancelled: Bool) async {
        let wasCancelled = failure is CancellationError || (failure == nil && cancelled)
        let status: RunStatus = wasCancelled ? .cancelled : .failed
        let reason: String? = wasCancelled ? nil : failure.map(Self.describe) ?? "the run stopped without a final status"
        // If the store cannot be written now, the run stays `running` and `nexus runs` shows it as
        // unfinished, as after a crash; nothing better can be done here.
        _ = try? await store.endIfRunning(runID: id, status: status, failure: reason)
    }

    /// An error in words a client can read (a NexusError's message, else its description).
    static func describe(_ error: any Error) -> String {
        (error as? NexusError)?.message ?? "the run stopped: \(error)"
    }

    /// A run seen for the first time, or resumed after it ended here: a resumed run's stream starts afresh.
    private func register(_ id: String) {
        if runs[id]?.finished ?? true { runs[id] = LiveRun() }
    }

    private func append(_ event: AgentEvent, to id: String) {
        let (type, data) = AgentEventJSON.encode(event)
        publish(type: type, data: data, to: id)
    }

    private func appendFailure(_ error: any Error, to id: String) {
        let message = Self.describe(error)
        publish(type: "error", data: ["message": .string(message)], to: id)
    }

    /// The stored run as the stream's last event, as a replay of the run ends, unless the runner
    /// ended the stream with it already.
    private func appendEnd(of id: String, in store: RunStore) async {
        guard runs[id]?.events.last?.type != "finished", let record = try? await store.loadRun(id: id) else { return }
        publish(type: "finished", data: AgentEventJSON.run(record, steps: nil), to: id)
    }

    private func publish(type: String, data: JSONValue, to id: String) {
        guard var run = runs[id] else { return }
        let event = RecordedEvent(sequence: run.events.count + 1, type: type, data: data)
        run.events.append(event)
        for follower in run.followers.values { follower.yield(event) }
        runs[id] = run
    }

    private func finish(_ id: String) {
        guard var run = runs[id] else { return }
        run.finished = true
        for follower in run.followers.values { follower.finish() }
        run.followers = [:]
        runs[id] = run
        finishedOrder.append(id)
        if finishedOrder.count > keptFinished {
            runs[finishedOrder.removeFirst()] = nil
        }
    }

    private func unfollow(_ id: String, _ key: UUID) {
        runs[id]?.followers[key] = nil
    }
}
