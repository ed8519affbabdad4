import Foundation
import Logging
import NexusStore
import Synchronization

/// Writes metered usage to the store off the request's path. Submitting only appends to a
/// buffer; one writer at a time takes what has gathered for a moment (``gatherInterval``) and
/// stores it in one transaction, so a busy server writes a few times a second, not once per
/// request. A batch that fails to store is logged and kept for the next one (each event counts
/// once when it lands, by its idempotency key).
final class UsageRecorder: Sendable {
    private struct State {
        var pending: [UsageEvent] = []
        var writer: Task<Void, Never>?
    }

    private let store: UsageStore
    private let logger: Logger
    private let state = Mutex(State())
    /// How long a writer lets events gather before storing them.
    static let gatherInterval = Duration.milliseconds(100)

    init(store: UsageStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func submit(_ event: UsageEvent) {
        state.withLock { state in
            state.pending.append(event)
            if state.writer == nil {
                state.writer = Task { await self.drain() }
            }
        }
    }

    /// Returns once everything submitted so far is stored (or has failed to store three times).
    func flush() async {
        while let writer = state.withLock({ $0.writer }) {
            await writer.value
        }
    }

    private func drain() async {
        var failures = 0
        while true {
            try? await Task.sleep(for: Self.gatherInterval)
            let batch = state.withLock { state in
                if state.pending.isEmpty || failures >= 3 { state.writer = nil }
                return state.writer == nil ? [] : state.pending
            }
            guard !batch.isEmpty else { return }
            do {
                try await store.record(batch)
                state.withLock { $0.pending.removeFirst(batch.count) }
                failures = 0
            } catch {
                failures += 1
                logger.error("usage could not be recorded", metadata: ["error": .string("\(error)"), "events": .stringConvertible(batch.count)])
            }
        }
    }
}
