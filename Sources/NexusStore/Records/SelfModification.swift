public import Foundation

/// One version of a self-modifiable setting: the system prompt, the soul, or `settings.<name>`.
public struct SelfModification: Sendable, Codable, Hashable {
    public var key: String
    /// 1 for the first value, then one more for each change (a rollback is a change too).
    public var version: Int
    public var value: String
    /// Why the change was made, in the actor's words.
    public var reason: String
    /// Who made it: "user", "agent", "run:<id>", ...
    public var actor: String
    /// For a rollback, the version whose value was restored.
    public var restoredFrom: Int?
    public var createdAt: Date

    public init(key: String, version: Int, value: String, reason: String, actor: String, restoredFrom: Int? = nil, createdAt: Date = Date()) {
        self.key = key
        self.version = version
        self.value = value
        self.reason = reason
        self.actor = actor
        self.restoredFrom = restoredFrom
        self.createdAt = createdAt
    }

    /// The keys that are not settings.
    public static let fixedKeys = ["system_prompt", "soul"]
    /// The most characters in a `settings.<name>` key's name.
    public static let maxSettingNameLength = 64

    /// Whether `key` may be modified: "system_prompt", "soul", or "settings." followed by a name
    /// of lowercase letters, digits, "_", "-" and "." (not starting with "."; at most 64 characters).
    public static func isValidKey(_ key: String) -> Bool {
        if fixedKeys.contains(key) { return true }
        guard key.hasPrefix("settings.") else { return false }
        let name = key.dropFirst("settings.".count)
        guard !name.isEmpty, name.count <= maxSettingNameLength, name.first != ".", name.last != "." else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "-" || $0 == "." }
    }
}
