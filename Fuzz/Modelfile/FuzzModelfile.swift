import NexusAPI
import NexusCore

/// libFuzzer entry point: any text as the Ollama Modelfile of an `/api/create` request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelfile(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    do {
        let modelfile = try Modelfile(parsing: text)
        _ = JSONValue.object(modelfile.parameters).jsonText
    } catch is NexusError {
        // Refused with a message.
    } catch {
        fatalError("Modelfile threw something other than a NexusError: \(error)")
    }
    return 0
}
