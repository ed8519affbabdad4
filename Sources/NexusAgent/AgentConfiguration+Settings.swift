public import Foundation
import NexusModules
public import NexusStore

extension AgentConfiguration {
    /// This configuration with the agent's own settings applied: the `settings.*` values that
    /// `self_modify` changed and the ledger signs (see ``AgentSetting``).
    /// - Parameter home: `$NEXUS_HOME`, whose key must be the ledger's; nil checks the ledger's
    ///   own chain of keys alone (tests).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func applyingSignedSettings(database: NexusDatabase, home: URL?) throws -> AgentConfiguration {
        let signed = try SignedLedger(database: database, home: home).currentSettings(keys: AgentSetting.all.map(\.key))
        return applying(settings: signed.mapValues(\.value))
    }

    /// This configuration with `settings` (values by key, "settings.max_steps": "4") applied.
    /// A budget setting only narrows: the budget a run was given by its command, its request or
    /// the server's ceilings stays the most it gets, so an agent can make itself more frugal but
    /// never buy itself more. A value outside its setting's range is passed over.
    public func applying(settings: [String: String]) -> AgentConfiguration {
        func value(_ setting: AgentSetting) -> Double? { settings[setting.key].flatMap(setting.value(of:)) }
        var configuration = self
        if let steps = value(.maxSteps) { configuration.maxSteps = min(maxSteps, Int(steps)) }
        if let tokens = value(.maxTokensPerTurn) { configuration.maxTokensPerTurn = min(maxTokensPerTurn, Int(tokens)) }
        if let temperature = value(.temperature) { configuration.sampling.temperature = temperature }
        if let memories = value(.recalledMemories) { configuration.recalledMemories = Int(memories) }
        return configuration
    }
}
