/// A JSON object that keeps its members in document order.
///
/// Order carries meaning for Nexus: a schema's property order becomes the order a grammar makes
/// the model write them (a "reasoning" field before an "answer" field), and tool arguments are
/// echoed back as the model wrote them. Equality ignores order, as JSON does.
public struct JSONObject: Sendable, Hashable {
    private var orderedKeys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}

    /// An object with `dictionary`'s members in sorted key order.
    public init(_ dictionary: [String: JSONValue]) {
        for key in dictionary.keys.sorted() {
            self[key] = dictionary[key]
        }
    }

    /// An object with these members in this order; a repeated key keeps its last value.
    public init<S: Sequence>(_ members: S) where S.Element == (String, JSONValue) {
        for (key, value) in members {
            self[key] = value
        }
    }

    /// The member called `key`; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil {
                    orderedKeys.append(key)
                }
            } else if storage.removeValue(forKey: key) != nil {
                orderedKeys.removeAll { $0 == key }
            }
        }
    }

    public var keys: [String] { orderedKeys }
    public var values: [JSONValue] { orderedKeys.map { storage[$0]! } }
    public var count: Int { orderedKeys.count }
    public var isEmpty: Bool { orderedKeys.isEmpty }

    /// The same keys in the same order, each value transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var result = JSONObject()
        for key in orderedKeys {
            result[key] = try transform(storage[key]!)
        }
        return result
    }

    /// The members as a dictionary (order dropped).
    public var dictionary: [String: JSONValue] { storage }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        orderedKeys.lazy.map { (key: $0, value: self.storage[$0]!) }.makeIterator()
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
