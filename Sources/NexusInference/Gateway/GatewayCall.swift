public import Foundation

/// One call through the gateway as metered: which routes were tried, how each try ended, and
/// what the answer cost.
public struct GatewayCall: Sendable, Hashable {
    /// One try on one route.
    public struct Attempt: Sendable, Hashable {
        public var route: String
        /// `ok`, `retryable`, `terminal`, or `skipped` (the route was cooling down).
        public var outcome: String
        public var error: String?
        public var seconds: Double

        public init(route: String, outcome: String, error: String?, seconds: Double) {
            self.route = route
            self.outcome = outcome
            self.error = error
            self.seconds = seconds
        }
    }

    public var purpose: GatewayPurpose
    public var org: String
    /// The route that answered; nil when none did.
    public var route: String?
    public var attempts: [Attempt]
    public var seconds: Double
    public var promptTokens: Int
    public var completionTokens: Int
    public var at: Date

    public init(purpose: GatewayPurpose, org: String, route: String?, attempts: [Attempt], seconds: Double,
                promptTokens: Int, completionTokens: Int, at: Date) {
        self.purpose = purpose
        self.org = org
        self.route = route
        self.attempts = attempts
        self.seconds = seconds
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.at = at
    }

    public var succeeded: Bool { route != nil }
}

/// What the gateway holds now: the routes of each purpose, the routes cooling down, and what
/// each budget has spent in its window.
public struct GatewayStatus: Sendable {
    public struct Spending: Sendable, Hashable {
        /// `purpose:NAME` or `org:NAME`.
        public var budget: String
        public var used: Int
        public var limit: Int
        public var resetsInSeconds: Double
    }

    public var routes: [GatewayPurpose: [String]]
    /// Route → seconds until it is tried first again.
    public var coolingDown: [String: Double]
    public var spending: [Spending]
}
