import Foundation
import NexusCore

/// libFuzzer entry point: any bytes as JSON, then everything Nexus does with a parsed document:
/// print it, read the print back, and round-trip it through `Codable` (JSONEncoder/JSONDecoder),
/// which is how run state and stored JSON travel. Each must refuse or agree, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(UnsafeBufferPointer(start: start, count: count))
    let value: JSONValue
    do {
        value = try JSONValue.parse(data)
    } catch {
        return 0
    }
    let reread: JSONValue
    do {
        reread = try JSONValue.parse(value.jsonText)
    } catch {
        fatalError("the printed form of a parsed document does not parse: \(error)")
    }
    guard reread == value else { fatalError("printing and reading back changed the document") }
    guard let encoded = try? JSONEncoder().encode(value) else { return 0 }
    if let decoded = try? JSONDecoder().decode(JSONValue.self, from: encoded), decoded != value {
        fatalError("a Codable round trip changed the document")
    }
    _ = try? JSONValue(encoding: value)
    _ = try? value.decoded(as: [String: JSONValue].self)
    return 0
}
