public import Foundation

extension JSONValue {
    /// The JSON form of any `Encodable` value.
    /// - Throws: `NexusError(.invalidJSON)` if the value cannot be encoded.
    public init<T: Encodable>(encoding value: T) throws {
        do {
            self = try JSONValue.parse(JSONEncoder().encode(value))
        } catch let error as NexusError {
            throw error
        } catch {
            throw NexusError(.invalidJSON, "cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// This JSON read as a `Decodable` type.
    /// - Throws: `NexusError(.invalidJSON)` naming the type when the shape does not fit.
    public func decoded<T: Decodable>(as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(jsonText.utf8))
        } catch {
            throw NexusError(.invalidJSON, "stored JSON does not fit \(T.self): \(error)")
        }
    }
}
