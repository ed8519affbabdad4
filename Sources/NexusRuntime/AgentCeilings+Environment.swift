import Foundation
import NexusCore
import NexusServer

extension AgentCeilings {
    /// The server's ceilings, with these variables lowering or raising the defaults:
    /// `NEXUS_AGENT_MAX_STEPS`, `NEXUS_AGENT_MAX_TOKENS`, `NEXUS_AGENT_MAX_SECONDS` (per run) and
    /// `NEXUS_TOOL_MAX_OUTPUT_KB` (per tool call).
    /// - Throws: `NexusError(.invalidArgument)` naming a variable whose value is not a positive whole number.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AgentCeilings {
        func value(_ name: String, maximum: Int) throws -> Int? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let number = Int(text), (1...maximum).contains(number) else {
                throw NexusError(.invalidArgument, "\(name)=\(text) is not a whole number from 1 to \(maximum); fix or unset it")
            }
            return number
        }
        var ceilings = AgentCeilings()
        if let steps = try value("NEXUS_AGENT_MAX_STEPS", maximum: 100_000) { ceilings.maxSteps = steps }
        if let tokens = try value("NEXUS_AGENT_MAX_TOKENS", maximum: 1_000_000_000) { ceilings.maxTokens = tokens }
        if let seconds = try value("NEXUS_AGENT_MAX_SECONDS", maximum: 7 * 86_400) { ceilings.maxSeconds = Double(seconds) }
        if let outputKB = try value("NEXUS_TOOL_MAX_OUTPUT_KB", maximum: 1 << 20) { ceilings.toolLimits.outputBytes = outputKB << 10 }
        return ceilings
    }
}
