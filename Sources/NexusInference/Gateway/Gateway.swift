import Foundation
public import NexusCore

/// Routes generation by purpose (``GatewayConfiguration``): each call goes to the purpose's first
/// route that is not cooling down, a retryable failure is tried again after a backoff with jitter,
/// and what still fails falls back to the next route. Budgets are checked before a call and
/// charged with its tokens; every call is metered (``GatewayCall``).
///
/// Callers use it as any backend: ``backend(for:org:)`` gives an ``InferenceBackend`` bound to a
/// purpose and an org.
public actor Gateway {
    /// Makes the backend a route's model reference names; `apiKey` is its credential's value.
    public typealias BackendMaker = @Sendable (_ reference: String, _ apiKey: String?) async throws -> any InferenceBackend
    /// Reads a stored credential by name (nil when there is none).
    public typealias CredentialReader = @Sendable (_ name: String) async throws -> String?

    public private(set) var configuration: GatewayConfiguration
    private let makeBackend: BackendMaker
    private let credential: CredentialReader
    private let journal: (any GatewayJournal)?
    let clock: GatewayClock
    /// Reading back the journal's last window of calls, once, before the first call is planned.
    private var restoring: Task<Void, Never>?
    private var backends: [GatewayConfiguration.Route: Task<any InferenceBackend, any Error>] = [:]
    private var health: [String: RouteHealth] = [:]
    private var spending: [String: BudgetWindow] = [:]
    private var recent: [GatewayCall] = []

    /// Calls kept for ``recentCalls()``.
    public static let recentLimit = 500

    /// - Parameter journal: where calls are kept and budgets read back from; without one, both
    ///   last as long as this gateway.
    public init(configuration: GatewayConfiguration, makeBackend: @escaping BackendMaker,
                credential: @escaping CredentialReader = { _ in nil }, journal: (any GatewayJournal)? = nil,
                clock: GatewayClock = .system) {
        self.configuration = configuration
        self.makeBackend = makeBackend
        self.credential = credential
        self.journal = journal
        self.clock = clock
    }

    /// A backend that serves `purpose` for `org` through this gateway.
    public nonisolated func backend(for purpose: GatewayPurpose, org: String = "default") -> GatewayBackend {
        GatewayBackend(gateway: self, purpose: purpose, org: org)
    }

    /// Takes a new configuration for the next call. Route health starts afresh; what budgets
    /// have spent in their windows is kept.
    public func reload(_ configuration: GatewayConfiguration) {
        self.configuration = configuration
        backends = [:]
        health = [:]
    }

    /// The newest calls, oldest first (those of the journal's last window included).
    public func recentCalls() async -> [GatewayCall] {
        await restore()
        return recent
    }

    public func status() async -> GatewayStatus {
        await restore()
        let now = clock.now()
        var routes: [GatewayPurpose: [String]] = [:]
        for purpose in GatewayPurpose.allCases {
            routes[purpose] = configuration.routes(for: purpose).map(\.model)
        }
        let cooling = health.compactMapValues { $0.coolUntil > now ? $0.coolUntil - now : nil }
        let spent = spending.keys.sorted().compactMap { key -> GatewayStatus.Spending? in
            guard let limit = limit(of: key), let window = spending[key] else { return nil }
            let current = window.current(at: now, length: configuration.budgets.windowSeconds)
            return GatewayStatus.Spending(budget: key, used: current.used, limit: limit,
                                          resetsInSeconds: max(0, current.start + configuration.budgets.windowSeconds - now))
        }
        return GatewayStatus(routes: routes, coolingDown: cooling, spending: spent)
    }

    // MARK: - What a call asks of the gateway

    /// The routes to try, cooling ones last, once the budgets allow the call.
    /// - Throws: `NexusError(.budgetExceeded)` naming the spent budget.
    func plan(_ purpose: GatewayPurpose, org: String) async throws -> (routes: [GatewayConfiguration.Route], retry: GatewayConfiguration.Retry) {
        await restore()
        let now = clock.now()
        for key in [Self.budgetKey(purpose), Self.budgetKey(org: org)] {
            guard let limit = limit(of: key) else { continue }
            let window = (spending[key] ?? BudgetWindow()).current(at: now, length: configuration.budgets.windowSeconds)
            if window.used >= limit {
                let renews = Int((window.start + configuration.budgets.windowSeconds - now).rounded(.up))
                let setting = key.hasPrefix("purpose:") ? "budgets.purposes.\(purpose.rawValue)" : "budgets.orgs.\(org)"
                throw NexusError(.budgetExceeded,
                                 "the \(key) budget of \(limit) tokens is spent (\(window.used) used); it renews in \(renews) s, or raise \(setting) in \(GatewayConfiguration.fileName)")
            }
        }
        let routes = configuration.routes(for: purpose)
        let ready = routes.filter { (health[$0.model]?.coolUntil ?? 0) <= now }
        let cooling = routes.filter { (health[$0.model]?.coolUntil ?? 0) > now }
        return (ready + cooling, configuration.retry)
    }

    func isCooling(_ route: GatewayConfiguration.Route) -> Bool {
        (health[route.model]?.coolUntil ?? 0) > clock.now()
    }

    /// The route's backend, made once and kept until the next reload.
    func backend(for route: GatewayConfiguration.Route) async throws -> any InferenceBackend {
        if let made = backends[route] { return try await made.value }
        if GatewayPurpose(routing: route.model) != nil {
            throw NexusError(.invalidArgument,
                             "the route \(route.model) names the gateway itself; name a model, a tier or openai:URL#MODEL in \(GatewayConfiguration.fileName)")
        }
        let (makeBackend, credential) = (self.makeBackend, self.credential)
        let making = Task<any InferenceBackend, any Error> {
            var key: String?
            if let name = route.credential {
                key = try await credential(name)
                guard key != nil else {
                    throw NexusError(.invalidArgument,
                                     "the route \(route.model) names the credential \(name), which is not stored; run nexus credentials set \(name)")
                }
            }
            return try await makeBackend(route.model, key)
        }
        backends[route] = making
        do {
            return try await making.value
        } catch {
            backends[route] = nil
            throw error
        }
    }

    /// Notes how a try on `route` ended: failures in a row past the threshold cool it down.
    func note(_ route: GatewayConfiguration.Route, failed: Bool) {
        var state = health[route.model] ?? RouteHealth()
        if failed {
            state.failuresInRow += 1
            if state.failuresInRow >= configuration.cooldown.failures {
                state.coolUntil = clock.now() + configuration.cooldown.seconds
                state.failuresInRow = 0
            }
        } else {
            state = RouteHealth()
        }
        health[route.model] = state
    }

    /// Charges a finished call's tokens to its purpose's and org's budgets, and keeps its record
    /// here and in the journal. A journal that cannot write loses the record, never the answer.
    func finish(_ call: GatewayCall) async {
        charge(call, at: clock.now())
        try? await journal?.record(call)
    }

    private func charge(_ call: GatewayCall, at now: Double) {
        let tokens = call.promptTokens + call.completionTokens
        for key in [Self.budgetKey(call.purpose), Self.budgetKey(org: call.org)] where tokens > 0 {
            var window = (spending[key] ?? BudgetWindow()).current(at: now, length: configuration.budgets.windowSeconds)
            window.used += tokens
            spending[key] = window
        }
        recent.append(call)
        if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
    }

    /// Replays the journal's calls of the last window into the budgets and the recent calls, once.
    /// A journal that cannot be read leaves them empty rather than refusing every call.
    private func restore() async {
        guard let journal else { return }
        if restoring == nil {
            let (window, clock) = (configuration.budgets.windowSeconds, self.clock)
            restoring = Task {
                let since = Date(timeIntervalSinceNow: -window)
                guard let calls = try? await journal.calls(since: since) else { return }
                let (now, date) = (clock.now(), Date())
                for call in calls { self.charge(call, at: now - date.timeIntervalSince(call.at)) }
            }
        }
        await restoring?.value
    }

    // MARK: - Budgets and health

    private static func budgetKey(_ purpose: GatewayPurpose) -> String { "purpose:\(purpose.rawValue)" }
    private static func budgetKey(org: String) -> String { "org:\(org)" }

    private func limit(of key: String) -> Int? {
        if key.hasPrefix("purpose:"), let purpose = GatewayPurpose(rawValue: String(key.dropFirst(8))) {
            return configuration.budgets.purposes[purpose]
        }
        if key.hasPrefix("org:") { return configuration.budgets.orgs[String(key.dropFirst(4))] }
        return nil
    }

    private struct RouteHealth {
        var failuresInRow = 0
        var coolUntil = 0.0
    }

    /// Tokens spent in a fixed window that starts with its first charge.
    private struct BudgetWindow {
        var start = -Double.infinity
        var used = 0

        func current(at now: Double, length: Double) -> BudgetWindow {
            now - start < length ? self : BudgetWindow(start: now, used: 0)
        }
    }
}

/// Time, waiting and chance for the gateway; tests replace them to see backoff without waiting.
public struct GatewayClock: Sendable {
    /// Monotonic seconds.
    public var now: @Sendable () -> Double
    public var sleep: @Sendable (_ seconds: Double) async throws -> Void
    /// A number in [0, 1] for jitter.
    public var random: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void,
                random: @escaping @Sendable () -> Double) {
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    public static let system = GatewayClock(
        now: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
        sleep: { seconds in try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) },
        random: { Double.random(in: 0...1) })
}
