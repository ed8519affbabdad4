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
        var used: Int
        var reserved = 0
        var warned = false
        var refusalAudited = false
    }

    private struct Admission {
        var account: UsageAccount
        var holds = 0
        var reserved: [Slot: Int] = [:]
    }

    /// A read of every org's limits, shared by the requests that wait for it.
    private struct LimitRead {
        var task: Task<[UsageLimit], any Error>
        var number: Int
    }

    /// Everything the checks read and take, behind ``state``.
    private struct Ledger {
        var limits: [LimitSubject: [UsageLimitName: UsageLimit]] = [:]
        /// When the limits in use were read; nil until the first read has ended (every admission waits for it).
        var limitsReadAt: ContinuousClock.Instant?
        var reading: LimitRead?
        var readsStarted = 0
        var readsApplied = 0
        var rates: [Slot: RateWindow] = [:]
        var inFlight: [LimitSubject: Int] = [:]
        var quotas: [Slot: Quota] = [:]
        var admissions: [UInt64: Admission] = [:]
        /// By org and key id.
        var usageCounters: [String: UsageCounters] = [:]
        var lastID: UInt64 = 0

        /// The quotas of `subjects` whose usage this period is not known yet; a known one whose
        /// period ended starts the new one (what was reserved in the last is still held).
        mutating func unknownQuotas(of subjects: [LimitSubject], at now: Date) -> [Slot] {
            var unknown: [Slot] = []
            for subject in subjects {
                for (name, _) in limits[subject] ?? [:] {
                    guard let (_, period) = name.quota else { continue }
                    let slot = Slot(subject: subject, name: name)
                    let start = period.bounds(of: now).start
                    guard let quota = quotas[slot] else {
                        unknown.append(slot)
                        continue
                    }
                    if quota.periodStart < start {
                        quotas[slot] = Quota(periodStart: start, used: 0, reserved: quota.reserved)
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
            var fresh: [LimitSubject: [UsageLimitName: UsageLimit]] = [:]
            for limit in read {
                fresh[limit.subject, default: [:]][limit.name] = limit
            }
            limits = fresh
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
        return try await checked(account.subjects, org: account.org) { ledger in
            var admission = Admission(account: account)
            try take(cost, into: &admission, &ledger)
            ledger.lastID += 1
            ledger.admissions[ledger.lastID] = admission
            let countsTokens = account.subjects.contains { subject in
                (ledger.limits[subject] ?? [:]).keys.contains { $0 == .tokensPerMinute || $0.quota?.measure == .tokens }
            }
            return UsageTicket(id: ledger.lastID, org: account.org, keyID: account.keyID, subjects: account.subjects, countsTokens: countsTokens)
        }
    }

    /// Takes more for an admitted ticket: the tokens of a request once its prompt is counted.
    /// - Throws: ``LimitRefusal``; the ticket stays admitted (settle it).
    func extend(_ ticket: UsageTicket, _ cost: UsageCost) async throws {
        guard enabled else { return }
        try await checked(ticket.subjects, org: ticket.org) { ledger in
            guard var admission = ledger.admissions[ticket.id] else { return }
            try take(cost, into: &admission, &ledger)
            ledger.admissions[ticket.id] = admission
        }
    }

    /// What a check under the lock came to: its result, or what must be read before it can run.
    private enum CheckStep<T: Sendable>: Sendable {
        case checked(T)
        case awaitLimits(LimitRead, started: Bool)
        case readQuotas([Slot])
    }

    /// Runs `check` under the lock once the limits are fresh and the usage of every quota of
    /// `subjects` is known this period, reading what is missing first (outside the lock). In the
    /// steady state that is one lock, taken once, and no suspension.
    private func checked<T: Sendable>(_ subjects: [LimitSubject], org: String,
                                      _ check: (inout Ledger) throws -> T) async throws -> T {
        let store = self.store
        while true {
            let step = try state.withLock { ledger -> CheckStep<T> in
                if let wait = ledger.readToAwait(store: store) { return .awaitLimits(wait.read, started: wait.started) }
                let unknown = ledger.unknownQuotas(of: subjects, at: Date())
                guard unknown.isEmpty else { return .readQuotas(unknown) }
                return .checked(try check(&ledger))
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
            for subject in admission.account.subjects {
                ledger.inFlight[subject, default: 0] -= admission.holds
                if ledger.inFlight[subject] == 0 { ledger.inFlight[subject] = nil }
            }
            for (slot, amount) in admission.reserved {
                ledger.quotas[slot]?.reserved -= amount
            }
            guard let usage else { return nil }
            let now = Date()
            for subject in admission.account.subjects {
                for (name, _) in ledger.limits[subject] ?? [:] {
                    let slot = Slot(subject: subject, name: name)
                    guard let (measure, period) = name.quota, var quota = ledger.quotas[slot],
                          quota.periodStart == period.bounds(of: now).start else { continue }
                    quota.used += measure == .tokens ? usage.totalTokens : usage.runUnits
                    ledger.quotas[slot] = quota
                }
            }
            return counters(usage, &ledger)
        }
        guard let meter, let usage else { return }
        meter.record(usage)
        recorder.submit(usage)
    }

    private func counters(_ usage: UsageEvent, _ ledger: inout Ledger) -> UsageCounters {
        let account = usage.org + "\u{1F}" + usage.keyID
        if let known = ledger.usageCounters[account] { return known }
        let made = metrics.usageCounters(org: usage.org, keyID: usage.keyID)
        ledger.usageCounters[account] = made
        return made
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
                if ledger.quotas[slot] == nil { ledger.quotas[slot] = Quota(periodStart: period.bounds(of: now).start, used: used) }
            }
        }
    }

    // MARK: - Checks

    /// Checks every limit `cost` meets, then takes it from each; nothing is taken when one refuses.
    private func take(_ cost: UsageCost, into admission: inout Admission, _ ledger: inout Ledger) throws {
        let subjects = admission.account.subjects
        let clock = (ContinuousClock.now - started).inSeconds
        let now = Date()
        if cost.requests > 0 {
            for subject in subjects {
                guard let cap = ledger.limits[subject]?[.concurrentRequests] else { continue }
                let busy = ledger.inFlight[subject, default: 0]
                if busy + cost.requests > cap.value {
                    throw refuse(.rate, .concurrentRequests, subject, retryAfter: 1, headers: [],
                                 "\(subject.description) already has \(busy) request(s) in progress, its limit (concurrent_requests \(cap.value)); wait for one to finish")
                }
            }
        }
        var rateTakes: [(slot: Slot, amount: Int, limit: Int)] = []
        var headers: [(String, String)] = []
        for subject in subjects {
            guard let limits = ledger.limits[subject] else { continue }
            for name in Self.rateNames {
                let amount = name == .requestsPerMinute ? cost.requests : cost.tokens
                guard amount > 0, let limit = limits[name] else { continue }
                let slot = Slot(subject: subject, name: name)
                let verdict = ledger.rates[slot, default: RateWindow()].check(amount, limit: limit.value, now: clock)
                let shown = Self.rateHeaders(name, limit: limit.value, verdict: verdict)
                guard verdict.allowed else {
                    let unit = name == .requestsPerMinute ? "requests" : "tokens"
                    let message = verdict.retryAfterSeconds.isFinite
                        ? "\(subject.description) is over its limit of \(limit.value) \(unit) per minute (\(name.rawValue)); try again in \(Self.duration(verdict.retryAfterSeconds))"
                        : "this request needs \(amount) \(unit), more than \(subject.description)'s limit of \(limit.value) per minute (\(name.rawValue)); send a smaller request (lower max_tokens) or ask an admin to raise the limit"
                    throw refuse(.rate, name, subject, retryAfter: verdict.retryAfterSeconds, headers: shown, message)
                }
                rateTakes.append((slot, amount, limit.value))
                // The key's headers, which come first; an org's limit of the same kind shows only without one.
                if !rateTakes.dropLast().contains(where: { $0.slot.name == name }) { headers += shown }
            }
        }
        var quotaTakes: [(slot: Slot, amount: Int)] = []
        for subject in subjects {
            for (name, limit) in ledger.limits[subject] ?? [:] {
                guard let (measure, period) = name.quota else { continue }
                let amount = measure == .tokens ? cost.tokens : cost.runUnits
                let slot = Slot(subject: subject, name: name)
                guard amount > 0, let quota = ledger.quotas[slot] else { continue }
                let wanted = quota.used + quota.reserved + amount
                if wanted > limit.value {
                    if !quota.refusalAudited { ledger.quotas[slot]?.refusalAudited = true }
                    throw quotaRefusal(slot, limit: limit, quota: quota, amount: amount, measure: measure, period: period, now: now)
                }
                if let soft = limit.soft, wanted > soft, !quota.warned {
                    ledger.quotas[slot]?.warned = true
                    warn(slot, limit: limit, used: wanted)
                }
                quotaTakes.append((slot, amount))
            }
        }
        for take in rateTakes {
            _ = ledger.rates[take.slot, default: RateWindow()].take(take.amount, limit: take.limit, now: clock)
        }
        for take in quotaTakes {
            ledger.quotas[take.slot]?.reserved += take.amount
            admission.reserved[take.slot, default: 0] += take.amount
        }
        if cost.requests > 0 {
            for subject in subjects { ledger.inFlight[subject, default: 0] += cost.requests }
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
