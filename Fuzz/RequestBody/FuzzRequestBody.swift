import NexusAPI
import NexusCore

/// libFuzzer entry point: any bytes as an HTTP request body, read the way each inference route
/// reads it (Ollama chat, generate and embed; OpenAI chat, completions and embeddings). A bad body
/// must be a `NexusError` the edge turns into a 400, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestBody(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: start, count: count))
    let fields: RequestFields
    do {
        fields = try RequestFields(body: body)
    } catch {
        return 0
    }
    let readers: [(RequestFields) throws -> Void] = [
        { _ = try OllamaRequests.chat($0) },
        { _ = try OllamaRequests.generate($0) },
        { _ = try OllamaRequests.embed($0) },
        { _ = try OpenAIRequests.chat($0) },
        { _ = try OpenAIRequests.completion($0) },
        { _ = try OpenAIRequests.embeddings($0) },
        { _ = try SamplingFields.sampling(in: $0) },
    ]
    for read in readers {
        do {
            try read(fields)
        } catch is NexusError {
            // A 400 naming the field.
        } catch {
            fatalError("a request reader threw something other than a NexusError: \(error)")
        }
    }
    return 0
}
