public import NexusCore

/// The one byte form of a JSON value that Nexus hashes and signs: compact, object keys sorted by
/// their UTF-8 bytes at every level, strings escaped as `JSONValue.jsonText` escapes them, whole
/// numbers without a fraction. Two equal values always give the same text.
public enum CanonicalJSON {
    /// The canonical text of `value`.
    public static func text(_ value: JSONValue) -> String {
        sorted(value).jsonText
    }

    /// The canonical UTF-8 bytes of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        Array(text(value).utf8)
    }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map(sorted))
        case .object(let object):
            let keys = object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            return .object(JSONObject(keys.map { ($0, sorted(object[$0]!)) }))
        default: return value
        }
    }
}
