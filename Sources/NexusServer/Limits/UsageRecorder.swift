import Foundation
import Logging
import NexusStore

/// Writes metered usage to the store off the request's path: events are buffered and written in
/// batches by one task at a time, so a request never waits for the database to account for it.
/// An event whose write fails is logged and kept for the next batch (counted once when it lands,
/// by its idempotency key).
actor UsageRecorder {
    private let store: UsageStore
    private let logger: Logger
    private var pending: [UsageEvent] = []
    private var writer: Task<Void, Never>?

    init(store: UsageStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func submit(_ event: UsageEvent) {
        pending.append(event)
        if writer == nil {
            writer = Task { await self.drain() }
        }
    }

    /// Returns once everything submitted so far is stored (or failed to store).
    func flush() async {
        while let writer {
            await writer.value
        }
    }

    private func drain() async {
        var failures = 0
        while !pending.isEmpty, failures < 3 {
            let batch = Array(pending.prefix(500))
            do {
                try await store.record(batch)
                pending.removeFirst(batch.count)
            } catch {
                failures += 1
                logger.error("usage could not be recorded", metadata: ["error": .string("\(error)"), "events": .stringConvertible(batch.count)])
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        // What failed three times waits for the next event to try again.
        writer = nil
    }
}
