public import NexusCore

/// Typed access to the members of a JSON request body, with errors that name the field.
///
/// Bodies are parsed by NexusCore's own parser rather than `Codable`, so objects keep their member
/// order (a tool's schema reaches the grammar as the client wrote it) and a wrong type is reported
/// as "'messages' must be an array" instead of a decoder's internal path.
public struct RequestFields: Sendable {
    public let object: JSONObject
    /// Where these fields sit in the body, for messages ("" for the top level).
    public let path: String

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// The fields of a whole body.
    /// - Throws: `NexusError(.invalidJSON)` when the body is not JSON, `.invalidArgument` when it is not an object.
    public init(body: [UInt8]) throws {
        guard !body.isEmpty else {
            throw NexusError(.invalidArgument, "the request body is empty; send a JSON object")
        }
        let value = try JSONValue.parse(String(decoding: body, as: UTF8.self))
        guard let object = value.objectValue else {
            throw NexusError(.invalidArgument, "the request body must be a JSON object")
        }
        self.init(object)
    }

    public func name(_ key: String) -> String { path.isEmpty ? "'\(key)'" : "'\(path).\(key)'" }

    /// The raw value, nil when absent or null.
    public subscript(key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    public func string(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value.stringValue else { throw typeError(key, "a string") }
        return text
    }

    public func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else {
            throw NexusError(.invalidArgument, "\(name(key)) is required")
        }
        return text
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard let flag = value.boolValue else { throw typeError(key, "true or false") }
        return flag
    }

    public func number(_ key: String) throws -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = value.numberValue, number.isFinite else { throw typeError(key, "a number") }
        return number
    }

    /// A whole number within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws -> Int? {
        guard let number = try number(key) else { return nil }
        guard number == number.rounded(), number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            throw NexusError(.invalidArgument, "\(name(key)) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    public func array(_ key: String) throws -> [JSONValue]? {
        guard let value = self[key] else { return nil }
        guard let items = value.arrayValue else { throw typeError(key, "an array") }
        return items
    }

    public func fields(_ key: String) throws -> RequestFields? {
        guard let value = self[key] else { return nil }
        guard let object = value.objectValue else { throw typeError(key, "an object") }
        return RequestFields(object, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The objects of an array member, each with its own path (`messages[2]`).
    public func objects(_ key: String) throws -> [RequestFields]? {
        guard let items = try array(key) else { return nil }
        return try items.enumerated().map { index, item in
            let itemPath = (path.isEmpty ? key : "\(path).\(key)") + "[\(index)]"
            guard let object = item.objectValue else {
                throw NexusError(.invalidArgument, "'\(itemPath)' must be an object")
            }
            return RequestFields(object, path: itemPath)
        }
    }

    /// A string or an array of strings (`stop`, `input`), as an array.
    public func strings(_ key: String) throws -> [String]? {
        guard let value = self[key] else { return nil }
        if let text = value.stringValue { return [text] }
        let texts = value.arrayValue?.compactMap(\.stringValue)
        guard let texts, texts.count == value.arrayValue?.count else {
            throw typeError(key, "a string or an array of strings")
        }
        return texts
    }

    private func typeError(_ key: String, _ expected: String) -> NexusError {
        NexusError(.invalidArgument, "\(name(key)) must be \(expected)")
    }
}
