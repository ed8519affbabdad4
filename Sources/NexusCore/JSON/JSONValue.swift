public import Foundation

/// A JSON document as a value: tool arguments, schemas, API payloads.
///
/// Objects keep their members in document order (see `JSONObject`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// How deep arrays and objects may nest in any JSON Nexus reads, writes or decodes.
    ///
    /// Everything that walks a document recurses (printing, hashing, schema checks, the grammar
    /// converter, llama.cpp's templates), so a bound here is what keeps a hostile body from
    /// exhausting a thread's stack. 128 is far beyond any real request, tool call or schema, and
    /// leaves room for the types that carry a document when they are encoded (a run's state).
    public static let maximumDepth = 128
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // Foundation's decoder allows 512 levels; a JSONValue allows what the parser allows.
        let nesting = decoder.codingPath.count
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if nesting >= Self.maximumDepth {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "arrays and objects nest deeper than \(Self.maximumDepth) levels")
        } else {
            do {
                self = .array(try container.decode([JSONValue].self))
            } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == nesting {
                // Not an array here; a failure deeper down (too deep, say) is passed on as it is.
                // Foundation's decoder does not report member order; `parse` keeps it.
                self = .object(JSONObject(try container.decode([String: JSONValue].self)))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if case .array = self, encoder.codingPath.count >= Self.maximumDepth { throw tooDeep(encoder) }
        if case .object = self, encoder.codingPath.count >= Self.maximumDepth { throw tooDeep(encoder) }
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let integer = Int64(exactly: value) {
                try container.encode(integer)
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value.dictionary)
        }
    }

    private func tooDeep(_ encoder: any Encoder) -> EncodingError {
        EncodingError.invalidValue(self, EncodingError.Context(
            codingPath: encoder.codingPath, debugDescription: "arrays and objects nest deeper than \(Self.maximumDepth) levels"))
    }
}

extension JSONValue {
    /// Parses JSON text, keeping object members in document order.
    /// - Throws: `NexusError` with code `invalidJSON` naming where the text went wrong.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses JSON bytes.
    /// - Throws: `NexusError` with code `invalidJSON`.
    public static func parse(_ data: Data) throws -> JSONValue {
        try parse(Array(data))
    }

    private static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes)
        do {
            return try parser.parseDocument()
        } catch let error as JSONParser.Failure {
            throw NexusError(.invalidJSON, "the text is not valid JSON (\(error.message))")
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
    public init(nilLiteral: ()) { self = .null }
}
