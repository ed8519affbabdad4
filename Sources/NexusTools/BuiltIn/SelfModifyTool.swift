public import NexusCore
public import NexusStore

/// `self_modify`: changes (or reads, or rolls back) the agent's own system prompt, soul or
/// `settings.<name>` values. Every change is a new version; nothing is ever lost, and any version
/// can be restored. With a recorder, every change is also a signed ledger entry.
///
/// Only the settings the loop reads (``AgentSetting/all``) may be changed, each within its range:
/// a value nothing reads would only pretend to change the agent.
public struct SelfModifyTool: Tool {
    let store: SelfModificationStore
    let recorder: (any SelfModificationRecorder)?
    /// Whether the run belongs to the default org. The versions it changes shape every run of the
    /// home, so a run of another org (a tenant of a shared server) may not change them.
    let actsForHome: Bool

    /// - Parameters:
    ///   - database: Where the versions are kept.
    ///   - recorder: Records each change in the signed ledger (nil records nothing).
    public init(database: NexusDatabase, recorder: (any SelfModificationRecorder)? = nil) {
        self.store = SelfModificationStore(database: database)
        self.recorder = recorder
        self.actsForHome = database.org == .default
    }

    public var keywords: [String] { ["yourself", "your", "system", "prompt", "soul", "behaviour", "behavior", "setting", "settings"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "self_modify",
            description: """
                Change your own configuration: "system_prompt", "soul", or "settings.<name>". \
                action "set" stores a new version (needs value and reason), "get" shows the current value, \
                "history" lists the versions, "rollback" restores an earlier version (needs version).
                """,
            parameters: [
                "type": "object",
                "properties": [
                    "action": ["type": "string", "enum": ["set", "get", "history", "rollback"], "description": "What to do (default set)."],
                    "key": ["type": "string", "minLength": 1, "maxLength": 73, "description": """
                        system_prompt, soul (your character, added to the system prompt), or a number: settings.max_steps, \
                        settings.max_tokens_per_turn, settings.temperature or settings.recalled_memories
                        """],
                    "value": ["type": "string", "maxLength": 20000, "description": "The new value (set)."],
                    "reason": ["type": "string", "maxLength": 500, "description": "Why you make this change (set, rollback)."],
                    "version": ["type": "integer", "minimum": 1, "description": "The version to restore (rollback)."],
                ],
                "required": ["key"],
                "additionalProperties": false,
            ])
    }

    /// It changes what every later run is told: only under a policy that allows it
    /// (``CapabilityPolicy/allowsSelfModification``).
    public func isUsable(under policy: CapabilityPolicy) -> Bool { policy.allowsSelfModification && actsForHome }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        let action = arguments["action"]?.stringValue ?? "set"
        if action != "get", action != "history", !actsForHome {
            return .refused("self_modify \(action) changes the agent of every org on this server; only runs of the default org may make it")
        }
        if action != "get", action != "history", !context.policy.allowsSelfModification {
            return .refused("self_modify \(action) is not allowed by this run's policy (self_modify = false, or a read-only policy); the user can allow it with self_modify = true in the policy")
        }
        guard let key = arguments["key"]?.stringValue, SelfModification.isValidKey(key) else {
            let given = arguments["key"]?.stringValue.map { "'\($0)'" } ?? "no key"
            return .error("self_modify cannot change \(given); \"key\" must be system_prompt, soul, or settings.<name> (lowercase letters, digits, _ - .)")
        }
        let actor = context.runID.map { "run:\($0)" } ?? "agent"
        if action == "set" || action == "rollback", key.hasPrefix("settings."), AgentSetting.named(key: key) == nil {
            return .error("self_modify cannot change \(key): the loop reads only \(AgentSetting.summaries)")
        }
        do {
            switch action {
            case "get":
                guard let current = try store.currentVersion(key: key) else {
                    return .ok("\(key) has never been set (the built-in default applies)")
                }
                return .ok("\(key) version \(current.version):\n\(current.value)")
            case "history":
                let versions = try store.history(key: key)
                guard !versions.isEmpty else {
                    return .ok("\(key) has never been set (the built-in default applies)")
                }
                let lines = versions.map { version -> String in
                    let restored = version.restoredFrom.map { " (restores version \($0))" } ?? ""
                    let preview = version.value.count > 80 ? version.value.prefix(80) + "…" : Substring(version.value)
                    return "version \(version.version) by \(version.actor)\(restored): \(version.reason) — \(preview.debugDescription)"
                }
                return .ok(lines.joined(separator: "\n"))
            case "rollback":
                guard let number = arguments["version"]?.numberValue, let version = Int(exactly: number) else {
                    return .error("self_modify rollback needs \"version\": the version number to restore (see action \"history\")")
                }
                if let setting = AgentSetting.named(key: key), let old = try store.history(key: key).first(where: { $0.version == version }),
                   setting.value(of: old.value) == nil {
                    return .error("self_modify cannot restore version \(version) of \(key): its value \(old.value.debugDescription) is not \(setting.allowed)")
                }
                let reason = arguments["reason"]?.stringValue
                let new = try store.rollback(key: key, to: version, reason: reason, actor: actor)
                if let recorder, let restored = try store.currentVersion(key: key) {
                    try recorder.recordSelfModification(key: key, version: new, value: restored.value, reason: restored.reason, actor: actor)
                }
                return .ok("\(key) restored to the value of version \(version), as version \(new)")
            case "set":
                guard let value = arguments["value"]?.stringValue else {
                    return .error("self_modify set needs \"value\": the new text for \(key)")
                }
                if let setting = AgentSetting.named(key: key), setting.value(of: value) == nil {
                    return .error("self_modify cannot set \(key) to \(value.debugDescription): it must be \(setting.allowed)")
                }
                guard let reason = arguments["reason"]?.stringValue, reason.contains(where: { !$0.isWhitespace }) else {
                    return .error("self_modify set needs \"reason\": why you change \(key), kept in its history")
                }
                let previous = try store.currentVersion(key: key)?.version
                let version = try store.set(key: key, value: value, reason: reason, actor: actor)
                try recorder?.recordSelfModification(key: key, version: version, value: value, reason: reason, actor: actor)
                let undo = previous.map { "; undo with {\"action\": \"rollback\", \"key\": \"\(key)\", \"version\": \($0)}" } ?? ""
                return .ok("\(key) set as version \(version)\(undo)")
            default:
                return .error("self_modify has no action '\(action)'; use set, get, history or rollback")
            }
        } catch let error as NexusError where error.code == .invalidArgument || error.code == .notFound {
            return .error(error.message)
        }
    }
}
