import Foundation

/// One `settings.<name>` value the agent loop reads, with the numbers `self_modify` accepts for it.
///
/// The list is fixed: a setting nothing reads would be stored and change nothing, so `self_modify`
/// refuses any other name. Budgets (`max_steps`, `max_tokens_per_turn`) only ever narrow what the
/// operator or the request allows; the others replace the built-in default.
public struct AgentSetting: Sendable, Hashable {
    /// The name after "settings.".
    public let name: String
    /// The values allowed, ends included.
    public let range: ClosedRange<Double>
    /// Whether only whole numbers are allowed.
    public let isWholeNumber: Bool

    /// The self-modification key: "settings." + name.
    public var key: String { "settings." + name }

    /// Most model turns of a run; never more than the run's own budget.
    public static let maxSteps = AgentSetting(name: "max_steps", range: 1...200, isWholeNumber: true)
    /// Most tokens the model may write in one turn; never more than the run's own budget.
    public static let maxTokensPerTurn = AgentSetting(name: "max_tokens_per_turn", range: 16...4096, isWholeNumber: true)
    /// The sampling temperature of the loop's turns (0 is greedy).
    public static let temperature = AgentSetting(name: "temperature", range: 0...2, isWholeNumber: false)
    /// How many memories are recalled into the system prompt.
    public static let recalledMemories = AgentSetting(name: "recalled_memories", range: 0...10, isWholeNumber: true)

    public static let all: [AgentSetting] = [maxSteps, maxTokensPerTurn, temperature, recalledMemories]

    /// The setting stored under `key`, or nil when the loop reads no such setting.
    public static func named(key: String) -> AgentSetting? {
        all.first { $0.key == key }
    }

    /// The number `text` stands for, or nil when it is not one this setting allows.
    public func value(of text: String) -> Double? {
        guard let number = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), number.isFinite,
              range.contains(number), !isWholeNumber || number == number.rounded() else { return nil }
        return number
    }

    /// "a whole number from 1 to 200", for messages.
    public var allowed: String {
        func text(_ number: Double) -> String { number == number.rounded() ? String(Int(number)) : String(number) }
        return "\(isWholeNumber ? "a whole number" : "a number") from \(text(range.lowerBound)) to \(text(range.upperBound))"
    }

    /// "settings.max_steps (a whole number from 1 to 200)", for messages.
    public var summary: String { "\(key) (\(allowed))" }

    /// Every setting with its range, for messages.
    public static var summaries: String { all.map(\.summary).joined(separator: ", ") }
}
