public import Foundation
public import NexusCore

/// What a limit holds to: a rate (per minute, smoothed), a number of requests at once, or a quota
/// (a total per calendar period, UTC).
public enum UsageLimitName: String, Sendable, Hashable, CaseIterable {
    case requestsPerMinute = "requests_per_minute"
    case tokensPerMinute = "tokens_per_minute"
    case concurrentRequests = "concurrent_requests"
    case tokensPerHour = "tokens_per_hour"
    case tokensPerDay = "tokens_per_day"
    case tokensPerMonth = "tokens_per_month"
    case runUnitsPerHour = "run_units_per_hour"
    case runUnitsPerDay = "run_units_per_day"
    case runUnitsPerMonth = "run_units_per_month"

    /// What a quota counts.
    public enum Measure: String, Sendable {
        case tokens
        case runUnits = "run_units"
    }

    /// The quota's measure and period; nil for a rate limit or the cap on requests at once.
    public var quota: (measure: Measure, period: QuotaPeriod)? {
        switch self {
        case .requestsPerMinute, .tokensPerMinute, .concurrentRequests: nil
        case .tokensPerHour: (.tokens, .hour)
        case .tokensPerDay: (.tokens, .day)
        case .tokensPerMonth: (.tokens, .month)
        case .runUnitsPerHour: (.runUnits, .hour)
        case .runUnitsPerDay: (.runUnits, .day)
        case .runUnitsPerMonth: (.runUnits, .month)
        }
    }

    /// Parses a name as written in the CLI and the API.
    /// - Throws: `NexusError(.invalidArgument)` listing the names.
    public init(validating text: String) throws {
        guard let name = Self(rawValue: text) else {
            throw NexusError(.invalidArgument, "'\(text)' is not a limit; use one of: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = name
    }
}

/// A calendar period of a quota, in UTC.
public enum QuotaPeriod: String, Sendable, Hashable {
    case hour, day, month

    /// When the period holding `date` began and when the next one begins. Every admission asks
    /// this of each quota, so hours and days are plain arithmetic (Unix time has no leap
    /// seconds, so a UTC day is always 86,400 of them); only months ask the calendar.
    public func bounds(of date: Date) -> (start: Date, end: Date) {
        let length: Double
        switch self {
        case .hour: length = 3_600
        case .day: length = 86_400
        case .month:
            let interval = Self.utc.dateInterval(of: .month, for: date)!
            return (interval.start, interval.end)
        }
        let start = (date.timeIntervalSince1970 / length).rounded(.down) * length
        return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + length))
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// Who a limit applies to: one key, or everything in an org.
public enum LimitSubject: Sendable, Hashable {
    case org(String)
    case key(String)

    /// `org:NAME` or `key:ID`.
    /// - Throws: `NexusError(.invalidArgument)` for anything else.
    public init(validating text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].count <= 128 else {
            throw NexusError(.invalidArgument, "'\(text)' names no subject; write key:KEY_ID or org:NAME")
        }
        switch parts[0] {
        case "org": self = .org(parts[1])
        case "key": self = .key(parts[1])
        default: throw NexusError(.invalidArgument, "'\(text)' names no subject; write key:KEY_ID or org:NAME")
        }
    }

    public var scope: String {
        switch self {
        case .org: "org"
        case .key: "key"
        }
    }

    public var name: String {
        switch self {
        case .org(let name), .key(let name): name
        }
    }

    public var description: String { "\(scope):\(name)" }
}

/// One limit: a hard value that is enforced, and for quotas an optional soft value that only warns.
public struct UsageLimit: Sendable, Hashable {
    public var subject: LimitSubject
    public var name: UsageLimitName
    public var value: Int
    public var soft: Int?
    public var updatedAt: Date

    public init(subject: LimitSubject, name: UsageLimitName, value: Int, soft: Int? = nil, updatedAt: Date = Date()) {
        self.subject = subject
        self.name = name
        self.value = value
        self.soft = soft
        self.updatedAt = updatedAt
    }
}

extension UsageLimit {
    /// The limit as the API and `nexus limits --json` show it.
    public var json: JSONValue {
        var object: JSONObject = ["subject": .string(subject.description), "name": .string(name.rawValue),
                                  "value": .number(Double(value)), "updated_at": .string(updatedAt.ISO8601Format())]
        if let soft { object["soft"] = .number(Double(soft)) }
        return .object(object)
    }
}
