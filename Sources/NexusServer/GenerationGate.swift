import NexusCore
import NexusStore
import Synchronization

/// Admission for generation requests: as many run as there are slots, a bounded number wait, and
/// the rest are turned away at once with 503 rather than queued without end.
actor GenerationGate {
    let slots: Int
    let capacity: Int
    private(set) var inFlight = 0

    init(slots: Int, queueLimit: Int) {
        self.slots = max(1, slots)
        self.capacity = self.slots + max(0, queueLimit)
    }

    /// - Throws: `NexusError(.overloaded)` when the queue is full.
    func enter() throws {
        guard inFlight < capacity else {
            throw NexusError(.overloaded, "the server is busy: \(inFlight) requests are running or queued; retry shortly")
        }
        inFlight += 1
    }

    func leave() {
        inFlight = max(0, inFlight - 1)
    }

    /// Requests admitted but waiting for a slot.
    var queued: Int { max(0, inFlight - slots) }
}

/// One admitted use of a model: released exactly once, when the response ends or, failing that,
/// when the lease is dropped (a response body that was never written).
final class ModelLease: Sendable {
    /// The admission the lease was given under, settled once: when its usage is known, or with
    /// nothing to meter when the lease is released first.
    final class Metering: Sendable {
        let ticket: UsageTicket
        let account: UsageAccount
        private let governor: UsageGovernor
        private let settled = Mutex(false)

        init(ticket: UsageTicket, account: UsageAccount, governor: UsageGovernor) {
            self.ticket = ticket
            self.account = account
            self.governor = governor
        }

        func settle(_ usage: UsageEvent?) {
            guard !settled.withLock({ done in defer { done = true }; return done }) else { return }
            governor.settle(ticket, usage)
        }
    }

    let backend: any InferenceBackend
    let loadSeconds: Double
    let metering: Metering?
    private let onRelease: Mutex<(@Sendable () async -> Void)?>

    init(backend: any InferenceBackend, loadSeconds: Double, metering: Metering? = nil, onRelease: @escaping @Sendable () async -> Void) {
        self.backend = backend
        self.loadSeconds = loadSeconds
        self.metering = metering
        self.onRelease = Mutex(onRelease)
    }

    func release() async {
        let action = onRelease.withLock { action in
            defer { action = nil }
            return action
        }
        await action?()
    }

    deinit {
        if let action = onRelease.withLock({ $0 }) {
            Task { await action() }
        }
    }
}
