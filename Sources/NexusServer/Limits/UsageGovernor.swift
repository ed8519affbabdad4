import Foundation
import NexusCore
import NexusStore
import Synchronization

/// Enforces the limits of `usage_limits` before work starts and meters it when it ends.
///
/// Each admission checks, for the key and then its org: requests at once, requests and tokens
/// per minute (``RateWindow``), and token and run-unit quotas, where a quota counts what was used
/// this period plus what admitted work has reserved. All checks pass before anything is taken,
/// and the checking and the taking happen under one lock, so concurrent requests cannot together
/// pass a hard cap. Settling replaces a reservation with what was used and hands the usage event
/// to the recorder.
///
/// A lock rather than an actor: every generation request is admitted, extended and settled, and
/// in the steady state (limits fresh, each quota's usage known) none of that has to wait, so it
/// runs on the request's own thread instead of hopping to an actor and back three times. Only
/// reading the limits or a quota's usage from the store suspends, outside the lock.
final class UsageGovernor: Sendable {
    struct Slot: Hashable {
        var subject: LimitSubject
        var name: UsageLimitName
    }

    private struct Quota {
        var periodStart: Date
        var periodEnd: Date
        var used: Int
        var reserved = 0
        var warned = false
        var refusalAudited = false

        init(period: QuotaPeriod, at now: Date, used: Int, reserved: Int = 0) {
            (periodStart, periodEnd) = period.bounds(of: now)
            self.used = used
            self.reserved = reserved
        }

        func holds(_ date: Date) -> Bool { periodStart <= date && date < periodEnd }
    }

    /// One key's or one org's limits and what its work has taken. A class so that an admission
    /// keeps its subjects' ledgers and extending or settling it looks nothing up; only ever
    /// read or changed under ``state``'s lock.
    private final class SubjectLedger {
        let subject: LimitSubject
        var limits = LimitTable<UsageLimit>()
        var rates = LimitTable<RateWindow>()
        var quotas = LimitTable<Quota>()
        var inFlight = 0
        /// The metrics of the account whose first subject this is (a key, or the org of a request without one).
        var counters: UsageCounters?

        init(_ subject: LimitSubject) {
            self.subject = subject
        }

        /// Whether one of its limits counts tokens.
        var countsTokens: Bool {
            var counts = false
            limits.forEach { name, _ in counts = counts || name == .tokensPerMinute || name.quota?.measure == .tokens }
            return counts
        }
    }

    private struct Admission {
        var account: UsageAccount
        /// The ledgers of `account.subjects`, in the same order.
        var ledgers: [SubjectLedger]
        var holds = 0
        /// What each quota holds for this admission; `subject` indexes `ledgers`.
        var reserved: [(subject: Int, name: UsageLimitName, amount: Int)] = []
    }

    /// A read of every org's limits, shared by the requests that wait for it.
    private struct LimitRead {
        var task: Task<[UsageLimit], any Error>
        var number: Int
    }

    /// Everything the checks read and take, behind ``state``.
    private struct Ledger {
        var subjects: [LimitSubject: SubjectLedger] = [:]
        /// When the limits in use were read; nil until the first read has ended (every admission waits for it).
        var limitsReadAt: ContinuousClock.Instant?
        var reading: LimitRead?
        var readsStarted = 0
        var readsApplied = 0
        var admissions: [UInt64: Admission] = [:]
        var lastID: UInt64 = 0

        /// The ledger of `subject`, made on first use and kept (its ledger's limits change in place).
        mutating func ledger(of subject: LimitSubject) -> SubjectLedger {
            if let known = subjects[subject] { return known }
            let made = SubjectLedger(subject)
            subjects[subject] = made
            return made
        }

        /// The quotas of `ledgers` whose usage is not known yet; a known one whose period ended
        /// starts the new one (what was reserved in the last is still held).
        static func unknownQuotas(of ledgers: [SubjectLedger], at now: Date) -> [Slot] {
            var unknown: [Slot] = []
            for ledger in ledgers {
                ledger.limits.forEach { name, _ in
                    guard let (_, period) = name.quota else { return }
                    guard let quota = ledger.quotas[name] else {
                        unknown.append(Slot(subject: ledger.subject, name: name))
                        return
                    }
                    if now >= quota.periodEnd {
                        ledger.quotas[name] = Quota(period: period, at: now, used: 0, reserved: quota.reserved)
                    }
                }
            }
            return unknown
        }

        /// The read of the limits to wait for before checking, if any: a new one when they are
        /// older than ``limitsMaxAge`` and none runs (`started`). While one runs, checks go on
        /// with the limits there are, except before the first read has ended: then they wait for
        /// it, so no request passes as if there were no limits at all.
        mutating func readToAwait(store: UsageStore) -> (read: LimitRead, started: Bool)? {
            if let read = limitsReadAt, ContinuousClock.now - read < UsageGovernor.limitsMaxAge { return nil }
            if let reading {
                return limitsReadAt == nil ? (reading, false) : nil
            }
            readsStarted += 1
            let read = LimitRead(task: Task { try await store.everyOrgsLimits() }, number: readsStarted)
            reading = read
            return (read, true)
        }

        /// Takes the limits of read `number`, unless a later read's are already in place.
        mutating func apply(_ read: [UsageLimit], read number: Int) {
            guard number > readsApplied else { return }
            readsApplied = number
            var fresh: [LimitSubject: LimitTable<UsageLimit>] = [:]
            for limit in read {
                fresh[limit.subject, default: LimitTable()][limit.name] = limit
            }
            for (subject, ledger) in subjects {
                ledger.limits = fresh.removeValue(forKey: subject) ?? LimitTable()
            }
            for (subject, limits) in fresh {
                ledger(of: subject).limits = limits
            }
            limitsReadAt = .now
        }
    }

    private let store: UsageStore
    private let recorder: UsageRecorder
    private let metrics: ServerMetrics
    private let audit: AuditLog?
    private let enabled: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(Ledger())

    /// How long limits read from the store are trusted; a change made by another process (the
    /// CLI) takes effect within this, one made through this server's API at once.
    static let limitsMaxAge = Duration.seconds(2)

    /// - Parameter enabled: false admits everything and meters nothing (to measure the cost of both).
    init(store: UsageStore, recorder: UsageRecorder, metrics: ServerMetrics, audit: AuditLog?, enabled: Bool = true) {
        self.store = store
        self.recorder = recorder
        self.metrics = metrics
        self.audit = audit
        self.enabled = enabled
    }

    // MARK: - Admission

    /// Admits work of `cost` for `account`, or refuses it.
    /// - Throws: ``LimitRefusal`` (429); `NexusError(.databaseFailed)` when limits or usage cannot be read.
    func admit(_ account: UsageAccount, _ cost: UsageCost) async throws -> UsageTicket {
        guard enabled else { return UsageTicket(id: 0, org: account.org, keyID: account.keyID, subjects: account.subjects) }
        return try await checked(org: account.org, { ledger in account.subjects.map { ledger.ledger(of: $0) } }) { ledger, ledgers in
            var admission = Admission(account: account, ledgers: ledgers)
            try take(cost, into: &admission)
            ledger.lastID += 1
            ledger.admissions[ledger.lastID] = admission
            return UsageTicket(id: ledger.lastID, org: account.org, keyID: account.keyID, subjects: account.subjects,
                               countsTokens: ledgers.contains { $0.countsTokens })
        }
    }

    /// Takes more for an admitted ticket: the tokens of a request once its prompt is counted.
    /// - Throws: ``LimitRefusal``; the ticket stays admitted (settle it).
    func extend(_ ticket: UsageTicket, _ cost: UsageCost) async throws {
        guard enabled else { return }
        try await checked(org: ticket.org, { $0.admissions[ticket.id]?.ledgers ?? [] }) { ledger, _ in
            guard var admission = ledger.admissions[ticket.id] else { return }
            try take(cost, into: &admission)
            ledger.admissions[ticket.id] = admission
        }
    }

    /// What a check under the lock came to: its result, or what must be read before it can run.
    private enum CheckStep<T: Sendable>: Sendable {
        case checked(T)
        case awaitLimits(LimitRead, started: Bool)
        case readQuotas([Slot])
    }

    /// Runs `check` under the lock once the limits are fresh and the usage of every quota of the
    /// ledgers `find` gives is known this period, reading what is missing first (outside the
    /// lock). In the steady state that is one lock, taken once, and no suspension.
    private func checked<T: Sendable>(org: String, _ find: (inout Ledger) -> [SubjectLedger],
                                      _ check: (inout Ledger, [SubjectLedger]) throws -> T) async throws -> T {
        let store = self.store
        while true {
            let step = try state.withLock { ledger -> CheckStep<T> in
                if let wait = ledger.readToAwait(store: store) { return .awaitLimits(wait.read, started: wait.started) }
                let ledgers = find(&ledger)
                let unknown = Ledger.unknownQuotas(of: ledgers, at: Date())
                guard unknown.isEmpty else { return .readQuotas(unknown) }
                return .checked(try check(&ledger, ledgers))
            }
            switch step {
            case .checked(let result): return result
            case .awaitLimits(let read, let started): try await awaitLimits(read, started: started)
            case .readQuotas(let slots): try await readQuotas(slots, org: org)
            }
        }
    }

    /// Ends an admission: its hold and reservations are released, `usage` (nil for nothing to
    /// meter) counts against the quotas and goes to the store. Settling twice does nothing.
    func settle(_ ticket: UsageTicket, _ usage: UsageEvent?) {
        let meter = state.withLock { ledger -> UsageCounters? in
            guard let admission = ledger.admissions.removeValue(forKey: ticket.id) else { return nil }
            let ledgers = admission.ledgers
            for subject in ledgers { subject.inFlight -= admission.holds }
            for hold in admission.reserved {
                ledgers[hold.subject].quotas[hold.name]?.reserved -= hold.amount
            }
            guard let usage, let first = ledgers.first else { return nil }
            let now = Date()
            for subject in ledgers {
                subject.limits.forEach { name, _ in
                    guard let (measure, _) = name.quota, var quota = subject.quotas[name], quota.holds(now) else { return }
                    quota.used += measure == .tokens ? usage.totalTokens : usage.runUnits
                    subject.quotas[name] = quota
                }
            }
            if let known = first.counters { return known }
            let made = metrics.usageCounters(org: usage.org, keyID: usage.keyID)
            first.counters = made
            return made
        }
        guard let meter, let usage else { return }
        meter.record(usage)
        recorder.submit(usage)
    }

    /// Reads the limits again now (after a change through the API).
    func reloadLimits() async throws {
        let number = state.withLock { ledger in
            ledger.readsStarted += 1
            return ledger.readsStarted
        }
        let read = try await store.everyOrgsLimits()
        state.withLock { $0.apply(read, read: number) }
    }

    /// Everything metered so far is in the store.
    func flush() async {
        await recorder.flush()
    }

    // MARK: - Reading

    /// Waits for a read of the limits and puts them in place; the request that started the read
    /// also marks it ended, so that a failed read is tried again by the next request.
    private func awaitLimits(_ read: LimitRead, started: Bool) async throws {
        let result = await read.task.result
        state.withLock { ledger in
            if started { ledger.reading = nil }
            if case .success(let limits) = result { ledger.apply(limits, read: read.number) }
        }
        _ = try result.get()
    }

    /// Reads this period's usage of each of `slots` (quotas of `org` or its keys).
    private func readQuotas(_ slots: [Slot], org: String) async throws {
        let now = Date()
        let scoped = store.scoped(to: OrgName(unchecked: org))
        for slot in slots {
            guard let (measure, period) = slot.name.quota else { continue }
            let used = try await scoped.used(by: slot.subject, measure, in: period, at: now)
            state.withLock { ledger in
                let subject = ledger.ledger(of: slot.subject)
                if subject.quotas[slot.name] == nil { subject.quotas[slot.name] = Quota(period: period, at: now, used: used) }
            }
        }
    }

    // MARK: - Checks

    /// Checks every limit `cost` meets, then takes it from each; nothing is taken when one refuses.
    private func take(_ cost: UsageCost, into admission: inout Admission) throws {
        let ledgers = admission.ledgers
        let clock = (ContinuousClock.now - started).inSeconds
        let now = Date()
        if cost.requests > 0 {
            for ledger in ledgers {
                guard let cap = ledger.limits[.concurrentRequests] else { continue }
                if ledger.inFlight + cost.requests > cap.value {
                    throw refuse(.rate, .concurrentRequests, ledger.subject, retryAfter: 1, headers: [],
                                 "\(ledger.subject.description) already has \(ledger.inFlight) request(s) in progress, its limit (concurrent_requests \(cap.value)); wait for one to finish")
                }
            }
        }
        var rateTakes: [(ledger: SubjectLedger, name: UsageLimitName, amount: Int, limit: Int)] = []
        var headers: [(String, String)] = []
        for ledger in ledgers {
            for name in Self.rateNames {
                let amount = name == .requestsPerMinute ? cost.requests : cost.tokens
                guard amount > 0, let limit = ledger.limits[name] else { continue }
                let verdict = (ledger.rates[name] ?? RateWindow()).check(amount, limit: limit.value, now: clock)
                let shown = Self.rateHeaders(name, limit: limit.value, verdict: verdict)
                guard verdict.allowed else {
                    let unit = name == .requestsPerMinute ? "requests" : "tokens"
                    let message = verdict.retryAfterSeconds.isFinite
                        ? "\(ledger.subject.description) is over its limit of \(limit.value) \(unit) per minute (\(name.rawValue)); try again in \(Self.duration(verdict.retryAfterSeconds))"
                        : "this request needs \(amount) \(unit), more than \(ledger.subject.description)'s limit of \(limit.value) per minute (\(name.rawValue)); send a smaller request (lower max_tokens) or ask an admin to raise the limit"
                    throw refuse(.rate, name, ledger.subject, retryAfter: verdict.retryAfterSeconds, headers: shown, message)
                }
                rateTakes.append((ledger, name, amount, limit.value))
                // The key's headers, which come first; an org's limit of the same kind shows only without one.
                if !rateTakes.dropLast().contains(where: { $0.name == name }) { headers += shown }
            }
        }
        var quotaTakes: [(subject: Int, name: UsageLimitName, amount: Int)] = []
        for (index, ledger) in ledgers.enumerated() {
            try ledger.limits.forEach { name, limit in
                guard let (measure, period) = name.quota else { return }
                let amount = measure == .tokens ? cost.tokens : cost.runUnits
                guard amount > 0, let quota = ledger.quotas[name] else { return }
                let wanted = quota.used + quota.reserved + amount
                if wanted > limit.value {
                    if !quota.refusalAudited { ledger.quotas[name]?.refusalAudited = true }
                    throw quotaRefusal(Slot(subject: ledger.subject, name: name), limit: limit, quota: quota, amount: amount,
                                       measure: measure, period: period, now: now)
                }
                if let soft = limit.soft, wanted > soft, !quota.warned {
                    ledger.quotas[name]?.warned = true
                    warn(Slot(subject: ledger.subject, name: name), limit: limit, used: wanted)
                }
                quotaTakes.append((index, name, amount))
            }
        }
        for take in rateTakes {
            var window = take.ledger.rates[take.name] ?? RateWindow()
            _ = window.take(take.amount, limit: take.limit, now: clock)
            take.ledger.rates[take.name] = window
        }
        for take in quotaTakes {
            ledgers[take.subject].quotas[take.name]?.reserved += take.amount
            admission.reserved.append(take)
        }
        if cost.requests > 0 {
            for ledger in ledgers { ledger.inFlight += cost.requests }
            admission.holds += cost.requests
        }
        if !headers.isEmpty { admission.account.headers.set(headers) }
    }

    private func quotaRefusal(_ slot: Slot, limit: UsageLimit, quota: Quota, amount: Int, measure: UsageLimitName.Measure,
                              period: QuotaPeriod, now: Date) -> LimitRefusal {
        let unit = measure == .tokens ? "tokens" : "run units"
        let renews = period.bounds(of: now).end
        let need = measure == .tokens ? "up to \(amount) (its prompt and max_tokens)" : "\(amount)"
        let message = "\(slot.subject.description) has used \(quota.used) of its \(limit.value) \(unit) this \(period.rawValue) (\(slot.name.rawValue))"
            + (quota.reserved > 0 ? ", with \(quota.reserved) more held by work in progress" : "")
            + "; this request needs \(need). The quota renews at \(renews.ISO8601Format()); ask an admin to raise it (nexus limits set \(slot.subject.description) \(slot.name.rawValue) N)"
        if !quota.refusalAudited {
            let audit = self.audit
            Task {
                try? await audit?.record("quota.refused", actor: .nexus, resource: slot.subject.description,
                                         details: ["limit": .string(slot.name.rawValue), "value": .number(Double(limit.value)),
                                                   "used": .number(Double(quota.used))])
            }
        }
        return refuse(.quota, slot.name, slot.subject, retryAfter: renews.timeIntervalSince(now), headers: [], message)
    }

    private func refuse(_ kind: LimitRefusal.Kind, _ name: UsageLimitName, _ subject: LimitSubject, retryAfter: Double,
                        headers: [(String, String)], _ message: String) -> LimitRefusal {
        metrics.recordLimit(name, outcome: "refused")
        return LimitRefusal(kind: kind, name: name, message: message, retryAfterSeconds: retryAfter, headers: headers)
    }

    private func warn(_ slot: Slot, limit: UsageLimit, used: Int) {
        metrics.recordLimit(slot.name, outcome: "warned")
        let audit = self.audit
        Task {
            try? await audit?.record("quota.soft_exceeded", actor: .nexus, resource: slot.subject.description,
                                     details: ["limit": .string(slot.name.rawValue), "soft": .number(Double(limit.soft ?? 0)),
                                               "value": .number(Double(limit.value)), "used": .number(Double(used))])
        }
    }

    private static let rateNames: [UsageLimitName] = [.requestsPerMinute, .tokensPerMinute]

    /// The headers OpenAI's API sends: `x-ratelimit-limit-requests`, `-remaining-`, `-reset-`, and the same for tokens.
    static func rateHeaders(_ name: UsageLimitName, limit: Int, verdict: RateWindow.Verdict) -> [(String, String)] {
        let unit = name == .requestsPerMinute ? "requests" : "tokens"
        return [("x-ratelimit-limit-\(unit)", String(limit)), ("x-ratelimit-remaining-\(unit)", String(max(0, verdict.remaining))),
                ("x-ratelimit-reset-\(unit)", duration(verdict.resetSeconds))]
    }

    /// `250ms`, `12s`, `1m30s`: the form of OpenAI's reset headers.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded(.up)))ms" }
        let whole = Int(seconds.rounded(.up))
        return whole < 60 ? "\(whole)s" : "\(whole / 60)m\(whole % 60)s"
    }
}
