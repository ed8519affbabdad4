import NexusStore

/// A value for each limit name, in a fixed array indexed by the name's position.
///
/// The governor reads these several times on every request. A dictionary keyed by the names
/// hashed each name's raw string on every look, which cost more than the checks themselves.
struct LimitTable<Value> {
    private var values: [Value?] = Array(repeating: nil, count: UsageLimitName.allCases.count)

    subscript(name: UsageLimitName) -> Value? {
        get { values[name.position] }
        set { values[name.position] = newValue }
    }

    /// Calls `body` with each name that has a value, in ``UsageLimitName``'s order.
    func forEach(_ body: (UsageLimitName, Value) throws -> Void) rethrows {
        for (position, value) in values.enumerated() {
            if let value { try body(UsageLimitName.inOrder[position], value) }
        }
    }
}

extension UsageLimitName {
    /// Every name, indexed by ``position``.
    static let inOrder: [UsageLimitName] = {
        let all = UsageLimitName.allCases
        precondition(all.indices.allSatisfy { all[$0].position == $0 }, "UsageLimitName.position must follow allCases")
        return all
    }()

    /// The name's index in ``inOrder`` (a switch, so that a new name cannot be left out).
    var position: Int {
        switch self {
        case .requestsPerMinute: 0
        case .tokensPerMinute: 1
        case .concurrentRequests: 2
        case .tokensPerHour: 3
        case .tokensPerDay: 4
        case .tokensPerMonth: 5
        case .runUnitsPerHour: 6
        case .runUnitsPerDay: 7
        case .runUnitsPerMonth: 8
        }
    }
}
