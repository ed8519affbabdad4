import CLlama
import NexusCore

/// libFuzzer entry point: any bytes as a JSON Schema (a tool's `parameters`, a `format`), checked by
/// `JSONSchema`, used to validate an instance, then handed to llama.cpp's grammar converter as the
/// server does. The document itself, and each of its `examples`, serve as instances.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONSchema(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    guard let schema = try? JSONSchema(text: text) else { return 0 }
    _ = schema.validate(schema.root)
    for example in schema.root["examples"]?.arrayValue ?? [] {
        _ = schema.validate(example)
    }
    var error: UnsafeMutablePointer<CChar>?
    let grammar = nx_json_schema_to_grammar(schema.root.jsonText, &error)
    nx_string_free(grammar)
    nx_string_free(error)
    return 0
}
