// In text (messages, listings) each reads as it is stored: `budget_exhausted`, not the case name.
extension RunStatus: CustomStringConvertible {
    public var description: String { rawValue }
}

extension RunOutcome: CustomStringConvertible {
    public var description: String { rawValue }
}

extension OutcomeSource: CustomStringConvertible {
    public var description: String { rawValue }
}

extension HopeMode: CustomStringConvertible {
    public var description: String { rawValue }
}
