import Foundation
import NexusCore
import NexusStore
import Synchronization

/// Who a metered request counts against, and where the rate-limit headers for its answer go.
struct UsageAccount: Sendable {
    let org: String
    /// "" for a request without a key (allowed on a loopback server): only the org's limits apply.
    let keyID: String
    /// The key's limits first, then the org's; made once, read by every check of the request.
    let subjects: [LimitSubject]
    /// `req:REQUEST_ID`, the idempotency key of the request's usage event.
    var requestID: String
    /// Filled by the governor, written onto the response by the edge.
    var headers: ResponseHeaders

    init(caller: Caller?, requestID: String, headers: ResponseHeaders = ResponseHeaders()) {
        self.org = (caller ?? .anonymous).org.rawValue
        self.keyID = caller?.keyID ?? ""
        self.subjects = keyID.isEmpty ? [.org(org)] : [.key(keyID), .org(org)]
        self.requestID = requestID
        self.headers = headers
    }
}

/// Headers a handler's helpers add to the response the edge sends, whatever its status.
final class ResponseHeaders: Sendable {
    private let fields = Mutex<[(String, String)]>([])

    init() {}

    func set(_ new: [(String, String)]) {
        fields.withLock { fields in
            for (name, value) in new {
                fields.removeAll { $0.0 == name }
                fields.append((name, value))
            }
        }
    }

    var all: [(String, String)] { fields.withLock { $0 } }
}

/// What an admission may use: requests (each held until settled, for the cap on requests at
/// once), tokens (the prompt and the most the answer may take) and run units.
struct UsageCost: Sendable, Equatable {
    var requests = 0
    var tokens = 0
    var runUnits = 0
}

/// An admitted request or run, until it is settled.
struct UsageTicket: Sendable, Hashable {
    let id: UInt64
    let org: String
    let keyID: String
    /// The account's subjects, for extending the admission.
    let subjects: [LimitSubject]
    /// Whether a limit counts tokens for this account (else a prompt need not be counted first).
    var countsTokens = false
}
