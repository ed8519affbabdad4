/// The organization a key, and everything it makes, belongs to. Stores take one when they are
/// made and read and write only its rows, so that no query of one org can reach another's.
///
/// A name is 1 to 40 lowercase letters, digits and '-', starting with a letter or digit: it
/// appears in URLs, audit resources (`org:NAME`) and file listings, so it needs no escaping.
public struct OrgName: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// The org of the single-user CLI and of every key made before orgs existed. Its owner keys
    /// administer the whole server: they make orgs and keys in any org.
    public static let `default` = OrgName(unchecked: "default")
    public static let maxLength = 40

    /// - Throws: `NexusError(.invalidArgument)` for a name that is not 1 to 40 of `a-z`, `0-9`, `-`.
    public init(_ text: String) throws {
        guard Self.isValid(text) else {
            throw NexusError(.invalidArgument, "'\(text.prefix(50))' is not an org name: use 1 to \(Self.maxLength) lowercase letters, digits and '-', starting with a letter or digit")
        }
        rawValue = text
    }

    /// A name read back from the store, where the schema's CHECK already holds it to the rule.
    public init(unchecked text: String) {
        rawValue = text
    }

    public static func isValid(_ text: String) -> Bool {
        guard let first = text.first, (1...maxLength).contains(text.count), first != "-" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    public var description: String { rawValue }
    public static func < (lhs: OrgName, rhs: OrgName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
