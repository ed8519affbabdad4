import Foundation
import NexusStore

/// A request refused by a rate limit, the cap on requests at once, or a quota: HTTP 429, with
/// `Retry-After` when waiting helps and the rate-limit headers clients already read.
struct LimitRefusal: Error, Sendable {
    enum Kind: Sendable {
        /// Requests or tokens per minute, or requests at once: waiting helps.
        case rate
        /// A hard quota for the period: waiting helps only when the period ends.
        case quota
    }

    var kind: Kind
    var name: UsageLimitName
    var message: String
    var retryAfterSeconds: Double?
    var headers: [(String, String)] = []

    /// OpenAI's `error.type` and `error.code`, which its clients key on.
    var openAIType: String {
        switch kind {
        case .quota: "insufficient_quota"
        case .rate: name == .tokensPerMinute ? "tokens" : "requests"
        }
    }

    var openAICode: String {
        kind == .quota ? "insufficient_quota" : "rate_limit_exceeded"
    }

    /// All headers: the rate-limit ones and `Retry-After` in whole seconds (at least 1).
    var responseHeaders: [(String, String)] {
        guard let retry = retryAfterSeconds, retry.isFinite else { return headers }
        return headers + [("Retry-After", String(max(1, Int(retry.rounded(.up)))))]
    }
}
