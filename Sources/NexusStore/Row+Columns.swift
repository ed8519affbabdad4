import Foundation
import GRDB
import NexusCore

/// Reading Nexus's column conventions: REAL timestamps and JSON text.
extension Row {
    func value<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
        try decode(Value.self, forColumn: column)
    }

    /// A value stored by its raw value (a run's status, outcome, mode). One this version does
    /// not know fails the read, naming it, rather than being guessed.
    func enumValue<Value: RawRepresentable>(_ column: String) throws -> Value where Value.RawValue == String {
        let raw = try decode(String.self, forColumn: column)
        guard let value = Value(rawValue: raw) else {
            throw NexusError(.databaseFailed, "the column \(column) holds '\(raw.prefix(40))', which this version of Nexus does not know; it was written by another version or by hand")
        }
        return value
    }

    func optionalEnumValue<Value: RawRepresentable>(_ column: String) throws -> Value? where Value.RawValue == String {
        try decode(String?.self, forColumn: column) == nil ? nil : try enumValue(column) as Value
    }

    func date(_ column: String) throws -> Date {
        Date(timeIntervalSince1970: try decode(Double.self, forColumn: column))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try decode(Double?.self, forColumn: column).map(Date.init(timeIntervalSince1970:))
    }

    func json(_ column: String) throws -> JSONValue {
        try JSONValue.parse(try decode(String.self, forColumn: column))
    }

    func optionalJSON(_ column: String) throws -> JSONValue? {
        guard let text = try decode(String?.self, forColumn: column) else { return nil }
        return try JSONValue.parse(text)
    }

    func stringArray(_ column: String) throws -> [String] {
        (try json(column).arrayValue ?? []).compactMap(\.stringValue)
    }
}

extension Date {
    /// How Nexus stores a date: REAL seconds since 1970.
    var databaseSeconds: Double { timeIntervalSince1970 }
}

extension [String] {
    /// How Nexus stores a list of strings: a JSON array.
    var jsonText: String { JSONValue.array(map(JSONValue.string)).jsonText }
}

/// Escapes `%`, `_` and `\` so that `text` matches itself in `LIKE ? ESCAPE '\'`.
func likePattern(prefix text: String) -> String {
    var escaped = ""
    for character in text {
        if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
        escaped.append(character)
    }
    return escaped + "%"
}
