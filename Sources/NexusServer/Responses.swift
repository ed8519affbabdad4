import Hummingbird
import NexusCore

extension Response {
    /// A JSON body written from ordered JSON (object members stay in the order they were built).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    /// Newline-delimited JSON, Ollama's streaming form: one object per line as `produce` yields them.
    static func ndjson(_ produce: @escaping @Sendable (_ send: @Sendable (JSONValue) async throws -> Void) async throws -> Void) -> Response {
        Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
            try await Self.pump(into: &writer, produce: produce) { value in value.jsonText + "\n" }
            try await writer.finish(nil)
        })
    }

    /// Server-sent events (`data: …` blocks), OpenAI's streaming form; `[DONE]` closes an OpenAI stream.
    static func eventStream(_ produce: @escaping @Sendable (_ send: @Sendable (ServerSentEvent) async throws -> Void) async throws -> Void) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            try await Self.pump(into: &writer, produce: produce) { $0.text }
            try await writer.finish(nil)
        })
    }

    /// Runs `produce` on a task of its own and writes what it sends, in order. The writer is not
    /// `Sendable`, so values cross over a stream; a failed write (the client left) ends the stream,
    /// which cancels `produce` and, through it, the generation.
    private static func pump<Value: Sendable>(
        into writer: inout any ResponseBodyWriter,
        produce: @escaping @Sendable (_ send: @Sendable (Value) async throws -> Void) async throws -> Void,
        encode: (Value) -> String
    ) async throws {
        let (stream, continuation) = AsyncThrowingStream<Value, any Error>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let producer = Task {
            do {
                try await produce { value in
                    if case .terminated = continuation.yield(value) { throw CancellationError() }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        defer { producer.cancel() }
        for try await value in stream {
            try await writer.write(ByteBuffer(string: encode(value)))
        }
    }
}

/// One server-sent event: optional id and event name, and its data.
struct ServerSentEvent: Sendable {
    var id: String?
    var event: String?
    var data: String

    init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    init(json: JSONValue, id: String? = nil, event: String? = nil) {
        self.init(id: id, event: event, data: json.jsonText)
    }

    var text: String {
        var lines = ""
        if let id { lines += "id: \(id)\n" }
        if let event { lines += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { lines += "data: \(line)\n" }
        return lines + "\n"
    }
}
