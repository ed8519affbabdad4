import AsyncHTTPClient
public import Foundation
public import NexusCore

/// A model served by an OpenAI-compatible endpoint: llama-server, vLLM, Ollama, or another Nexus.
///
/// Chat prompts go to `POST {baseURL}/chat/completions`, text prompts to `POST {baseURL}/completions`, always
/// streamed. Tools, tool choice, response format and sampling are sent in the OpenAI form, plus llama-server's
/// own sampling fields (`top_k`, `min_p`, `repeat_penalty`, `repeat_last_n`), which other servers ignore.
///
/// Cancelling the task that reads ``generate(_:)``'s stream closes the request, which makes the server stop.
public struct OpenAIBackend: InferenceBackend {
    /// The API root, such as `http://127.0.0.1:8080/v1`.
    public let baseURL: URL
    /// The model name sent with each request.
    public let model: String
    private let apiKey: String?

    public var modelName: String { model }

    /// - Parameters:
    ///   - baseURL: the API root the endpoint paths are appended to, e.g. `http://127.0.0.1:8080/v1`.
    ///   - model: the model name the server knows (llama-server accepts any).
    ///   - apiKey: sent as a bearer token when given.
    public init(baseURL: URL, model: String, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// Streams one generation from the server.
    ///
    /// The stream throws `NexusError` with code `backendUnavailable` when the server cannot be reached or the
    /// connection breaks, `backendError` when it answers with an error, and `invalidToolCall` when a tool call's
    /// arguments are not a JSON object. When the reading task is cancelled the stream ends and the HTTP request
    /// is closed, which makes the server stop generating.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await run(request, continuation: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: - One request

    private func run(_ request: GenerationRequest,
                     continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws {
        let (url, body) = encode(request)
        var httpRequest = HTTPClientRequest(url: url.absoluteString)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey, !apiKey.isEmpty {
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        httpRequest.body = .bytes(body)

        let start = ContinuousClock.now
        let response = try await send(httpRequest, to: url)

        guard (200..<300).contains(Int(response.status.code)) else {
            let text = try? await response.body.collect(upTo: 64 * 1024).readableBytesView
            let detail = Self.errorMessage(in: text.map { Data($0) } ?? Data()) ?? response.status.reasonPhrase
            throw NexusError(.backendError, "\(url.absoluteString) answered \(response.status.code): \(detail)",
                             upstreamStatus: Int(response.status.code))
        }

        var accumulator = StreamAccumulator(start: start)
        var parser = ServerSentEventParser()
        do {
            var progress = StreamAccumulator.Progress.more
            streaming: for try await buffer in response.body {
                for event in parser.feed(buffer.readableBytesView) {
                    progress = try accumulator.consume(event, from: url, continuation: continuation)
                    if progress == .finished { break streaming }
                }
            }
            if progress == .more {
                // The body ended without `data: [DONE]`: take a last event that lacked its blank line.
                for event in parser.finish() {
                    _ = try accumulator.consume(event, from: url, continuation: continuation)
                }
            }
        } catch let error as NexusError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw NexusError(.backendUnavailable,
                             "the stream from \(url.absoluteString) broke off: \(TransportFailure.reason(error)); check that the server is still running")
        }
        try Task.checkCancellation()
        // A body that ends cleanly but early (a proxy or a server that died between chunks) must
        // not read as a finished answer: without `[DONE]` or a finish reason it was cut off.
        guard accumulator.ended else {
            throw NexusError(.backendUnavailable,
                             "the stream from \(url.absoluteString) ended before the answer did (no finish_reason, no [DONE]); the server may have stopped mid-answer")
        }
        continuation.yield(.done(try accumulator.result(from: url)))
    }

    /// Sends the request and waits for the response head.
    ///
    /// A request that meets a pooled connection the server has already closed is sent again on a new one:
    /// llama-server, for one, announces keep-alive but closes the connection after each streamed answer, so
    /// the next request can race that close. The server has not seen such a request, so sending it again is safe.
    private func send(_ request: HTTPClientRequest, to url: URL) async throws -> HTTPClientResponse {
        var attempt = 1
        while true {
            do {
                // The deadline covers connecting and waiting for the response head, which llama-server sends only
                // after it has read the whole prompt; the body is bounded by the client's read timeout instead.
                return try await Self.client.execute(request, timeout: .seconds(Self.responseHeadTimeoutSeconds))
            } catch {
                try Task.checkCancellation()
                if attempt < Self.attemptsOnStaleConnection && Self.isStaleConnection(error) {
                    attempt += 1
                    continue
                }
                throw NexusError(.backendUnavailable,
                                 "cannot reach \(url.absoluteString): \(TransportFailure.reason(error)); start the server or check the address")
            }
        }
    }

    private func encode(_ request: GenerationRequest) -> (URL, Data) {
        switch request.prompt {
        case .chat(let messages):
            let body = OpenAIWire.chatBody(model: model, messages: messages, request: request)
            return (endpoint("chat/completions"), Data(body.jsonText.utf8))
        case .text(let prompt):
            let body = OpenAIWire.completionBody(model: model, prompt: prompt, request: request)
            return (endpoint("completions"), Data(body.jsonText.utf8))
        }
    }

    private func endpoint(_ path: String) -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: "\(base)/\(path)") ?? baseURL.appendingPathComponent(path)
    }

    // MARK: - Transport

    /// How long connecting plus the server's prompt processing may take before the first byte of the answer.
    static let responseHeadTimeoutSeconds: Int64 = 600

    /// The process-wide client for remote backends.
    ///
    /// Not `HTTPClient.shared`: its pool keeps retrying a refused connection until its 90-second connect
    /// timeout, so a stopped server would stall every request for a minute and a half instead of failing at
    /// once. This one fails on the first refused connection and waits at most 10 minutes for the next bytes
    /// of a stream (a slow CPU server may take minutes over a long prompt). It lives as long as the process,
    /// like the shared client, so it is never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(responseHeadTimeoutSeconds))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// How often a request is sent when pooled connections turn out to be closed (one per pooled connection
    /// a two-slot server may have left behind, plus a fresh one).
    static let attemptsOnStaleConnection = 3

    /// Whether the error says a pooled connection was closed by the server before the request went out.
    static func isStaleConnection(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed {
            return true
        }
        // NIO's ChannelError.ioOnClosedChannel, named by its description to keep NIO out of this target's imports.
        return String(describing: error).contains("I/O on closed channel")
    }


    /// The `error.message` of an error body, or its first line when it is not JSON.
    static func errorMessage(in body: Data) -> String? {
        if let envelope = try? JSONDecoder().decode(OpenAIWire.ErrorBody.self, from: body),
           let message = envelope.error?.message ?? envelope.message, !message.isEmpty {
            return message
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let line = text.split(separator: "\n").first, !line.isEmpty else { return nil }
        return String(line.prefix(300))
    }
}

/// Gathers a streamed answer: text deltas go straight to the consumer, tool-call deltas are pieced together
/// by index, and the last chunks bring the finish reason and usage.
struct StreamAccumulator {
    enum Progress { case more, finished }

    private struct PartialToolCall {
        var id: String?
        var name = ""
        var arguments = ""
    }

    private let start: ContinuousClock.Instant
    private var firstToken: ContinuousClock.Instant?
    private var text = ""
    private var toolCalls: [Int: PartialToolCall] = [:]
    private var finishReason: String?
    private var usage: OpenAIWire.Usage?
    private var timings: OpenAIWire.Timings?
    private var sawDone = false

    /// Whether the server said the answer is complete: `[DONE]`, or a choice's finish reason.
    var ended: Bool { sawDone || finishReason != nil }

    init(start: ContinuousClock.Instant) {
        self.start = start
    }

    mutating func consume(_ event: ServerSentEvent, from url: URL,
                          continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) throws -> Progress {
        let payload = event.data.trimmingCharacters(in: .whitespaces)
        if payload == "[DONE]" {
            sawDone = true
            return .finished
        }
        if payload.isEmpty { return .more }
        let chunk: OpenAIWire.Chunk
        do {
            chunk = try JSONDecoder().decode(OpenAIWire.Chunk.self, from: Data(payload.utf8))
        } catch {
            throw NexusError(.backendError,
                             "\(url.absoluteString) streamed a chunk that is not a completion: \(payload.prefix(200))")
        }
        if let error = chunk.error {
            throw NexusError(.backendError,
                             "\(url.absoluteString) failed during generation: \(error.message ?? "no reason given")")
        }
        if let usage = chunk.usage { self.usage = usage }
        if let timings = chunk.timings { self.timings = timings }
        for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
            if let delta = choice.delta?.content ?? choice.text, !delta.isEmpty {
                markFirstToken()
                text += delta
                continuation.yield(.text(delta))
            }
            for (position, call) in (choice.delta?.toolCalls ?? []).enumerated() {
                markFirstToken()
                let index = call.index ?? position
                var partial = toolCalls[index] ?? PartialToolCall()
                if let id = call.id, !id.isEmpty { partial.id = id }
                // The name comes whole with the call's first delta; some servers repeat it later.
                if let name = call.function?.name, partial.name.isEmpty { partial.name = name }
                if let arguments = call.function?.arguments { partial.arguments += arguments }
                toolCalls[index] = partial
            }
            if let reason = choice.finishReason { finishReason = reason }
        }
        return .more
    }

    private mutating func markFirstToken() {
        if firstToken == nil { firstToken = .now }
    }

    func result(from url: URL) throws -> GenerationResult {
        let end = ContinuousClock.now
        let calls = try toolCalls.keys.sorted().enumerated().map { position, key in
            try Self.toolCall(toolCalls[key]!, number: position + 1, truncated: finishReason == "length", url: url)
        }
        let finish: FinishReason
        switch finishReason {
        case "length": finish = .length
        case _ where !calls.isEmpty: finish = .toolCalls
        default: finish = .stop
        }
        let promptEnd = firstToken ?? end
        let usage = GenerationUsage(
            promptTokens: usage?.promptTokens ?? 0,
            cachedPromptTokens: usage?.promptTokensDetails?.cachedTokens ?? timings?.cacheN ?? 0,
            completionTokens: usage?.completionTokens ?? 0,
            promptSeconds: (promptEnd - start).inSeconds,
            generationSeconds: (end - promptEnd).inSeconds
        )
        return GenerationResult(text: text, toolCalls: calls, finishReason: finish, usage: usage)
    }

    private static func toolCall(_ partial: PartialToolCall, number: Int, truncated: Bool, url: URL) throws -> ToolCall {
        let hint = truncated ? " (the answer hit max_tokens; raise it)" : ""
        let name = partial.name
        guard !name.isEmpty else {
            throw NexusError(.invalidToolCall, "\(url.absoluteString) streamed tool call \(number) without a name\(hint)")
        }
        let arguments: JSONValue
        do {
            arguments = try ToolCall.arguments(parsing: partial.arguments, tool: name)
        } catch let error as NexusError {
            throw NexusError(error.code, "\(url.absoluteString) streamed tool call \(number): \(error.message)\(hint)")
        }
        return ToolCall(id: partial.id ?? "call_\(number)", name: name, arguments: arguments)
    }
}
