import Foundation
import NexusCore
import NexusInference
import Testing

/// ``OpenAIBackend`` against a real llama-server (see ``LlamaServerFixture``); one server per test, one test at
/// a time, so the two cores are not shared between servers.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OpenAIBackendTests {
    static let weather = ToolDefinition(
        name: "get_weather",
        description: "Get the current weather in a city.",
        parameters: [
            "type": "object",
            "properties": ["city": ["type": "string", "description": "The city name"]],
            "required": ["city"],
        ]
    )
    static let clock = ToolDefinition(
        name: "get_time",
        description: "Get the current time in a time zone.",
        parameters: [
            "type": "object",
            "properties": ["zone": ["type": "string"]],
            "required": ["zone"],
        ]
    )

    static func backend(_ server: LlamaServerFixture) -> OpenAIBackend {
        OpenAIBackend(baseURL: server.baseURL, model: "smollm2")
    }

    @Test func aStreamedChatYieldsTextThenAResultWithUsage() async throws {
        try await LlamaServerFixture.withServer { server in
            let request = GenerationRequest(
                prompt: .chat([.system("You are brief."), .user("Say hello to Paris in one sentence.")]),
                sampling: .greedy, maxTokens: 40
            )
            var pieces: [String] = []
            var result: GenerationResult?
            for try await event in Self.backend(server).generate(request) {
                switch event {
                case .text(let piece):
                    #expect(result == nil, "text after the result")
                    pieces.append(piece)
                case .done(let done):
                    result = done
                }
            }
            let done = try #require(result)
            #expect(pieces.count > 1, "the answer should arrive in several deltas")
            #expect(pieces.joined() == done.text)
            #expect(!done.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(done.toolCalls.isEmpty)
            #expect([.stop, .length].contains(done.finishReason))
            #expect(done.usage.promptTokens > 5)
            #expect(done.usage.completionTokens > 0 && done.usage.completionTokens <= 40)
            #expect(done.usage.promptSeconds > 0)
            #expect(done.usage.generationSeconds > 0)
        }
    }

    @Test func theSecondIdenticalRequestReusesThePromptCache() async throws {
        try await LlamaServerFixture.withServer { server in
            let request = GenerationRequest(prompt: .chat([.user("Name three colors.")]), sampling: .greedy, maxTokens: 8)
            _ = try await Self.backend(server).complete(request)
            let second = try await Self.backend(server).complete(request)
            #expect(second.usage.cachedPromptTokens > 0)
        }
    }

    @Test func backToBackGenerationsSurviveTheServerClosingEachConnection() async throws {
        // llama-server announces keep-alive but closes the connection after each streamed answer; a request that
        // picks that pooled connection must be sent again rather than fail.
        try await LlamaServerFixture.withServer { server in
            let backend = Self.backend(server)
            for number in 1...8 {
                let request = GenerationRequest(prompt: .chat([.user("Say \(number).")]), sampling: .greedy, maxTokens: 2)
                let result = try await backend.complete(request)
                #expect(result.usage.completionTokens > 0)
            }
        }
    }

    @Test func aTextPromptUsesTheCompletionsEndpoint() async throws {
        try await LlamaServerFixture.withServer { server in
            let request = GenerationRequest(prompt: .text("The capital of France is"), sampling: .greedy, maxTokens: 6)
            let result = try await Self.backend(server).complete(request)
            #expect(!result.text.isEmpty)
            #expect(result.finishReason == .length)
            #expect(result.usage.completionTokens == 6)
        }
    }

    /// The user's question followed by the opening of an assistant turn that starts a call.
    ///
    /// llama-server's grammar for `tool_choice: required` lets the model write any text before its first
    /// `<tool_call>`, and models this small answer in prose (or in bare JSON) and never get there, so a plain
    /// question yields no call. llama-server continues a trailing assistant message (prefill); once
    /// `<tool_call>` is written, the grammar forces a well-formed call to one of the offered tools.
    static let weatherQuestionStartingACall: [ChatMessage] = [
        .user("What is the weather in Paris?"),
        .assistant("<tool_call>\n"),
    ]

    @Test func requiredToolChoiceYieldsAToolCallWithObjectArguments() async throws {
        try await LlamaServerFixture.withServer(model: .toolCalling) { server in
            let request = GenerationRequest(
                prompt: .chat(Self.weatherQuestionStartingACall),
                tools: [Self.weather], toolChoice: .required, sampling: .greedy, maxTokens: 40
            )
            var texts: [String] = []
            var result: GenerationResult?
            for try await event in Self.backend(server).generate(request) {
                switch event {
                case .text(let text): texts.append(text)
                case .done(let done): result = done
                }
            }
            let done = try #require(result)
            #expect(texts.isEmpty, "tool-call markup leaked as text: \(texts)")
            #expect(done.finishReason == .toolCalls)
            #expect(done.toolCalls.count == 1, "parallel_tool_calls is false: \(done.toolCalls)")
            let call = try #require(done.toolCalls.first)
            #expect(call.name == "get_weather")
            #expect(call.arguments["city"]?.stringValue != nil, "arguments: \(call.arguments.jsonText)")
            #expect(!call.id.isEmpty)
        }
    }

    @Test func aNamedToolChoiceCallsThatTool() async throws {
        try await LlamaServerFixture.withServer(model: .toolCalling) { server in
            // The question is about weather; only the forced choice makes the model ask for the time.
            let request = GenerationRequest(
                prompt: .chat(Self.weatherQuestionStartingACall),
                tools: [Self.weather, Self.clock], toolChoice: .function("get_time"), sampling: .greedy, maxTokens: 40
            )
            let result = try await Self.backend(server).complete(request)
            #expect(result.toolCalls.map(\.name) == ["get_time"])
            #expect(result.toolCalls.first?.arguments["zone"]?.stringValue != nil)
        }
    }

    @Test func aConversationWithToolCallsAndResultsIsAccepted() async throws {
        // The tool model's template renders assistant tool calls and tool results, so a wrong shape fails there.
        try await LlamaServerFixture.withServer(model: .toolCalling) { server in
            let call = ToolCall(id: "call_7", name: "get_weather", arguments: ["city": "Paris"])
            let request = GenerationRequest(
                prompt: .chat([
                    .user("What is the weather in Paris?"),
                    .assistant("", toolCalls: [call]),
                    .tool(#"{"sky": "sunny", "celsius": 21}"#, callID: "call_7", name: "get_weather"),
                ]),
                tools: [Self.weather], toolChoice: .none, sampling: .greedy, maxTokens: 30
            )
            let result = try await Self.backend(server).complete(request)
            #expect(result.toolCalls.isEmpty)
            #expect(!result.text.isEmpty)
        }
    }

    @Test func aJSONSchemaResponseFormatShapesTheAnswer() async throws {
        try await LlamaServerFixture.withServer { server in
            let schema: JSONValue = [
                "type": "object",
                "properties": ["city": ["type": "string", "maxLength": 20]],
                "required": ["city"],
                "additionalProperties": false,
            ]
            let request = GenerationRequest(
                prompt: .chat([.user("Which city is the capital of France? Answer in JSON.")]),
                responseFormat: .jsonSchema(schema), sampling: .greedy, maxTokens: 60
            )
            let result = try await Self.backend(server).complete(request)
            let answer = try JSONValue.parse(result.text)
            #expect(answer["city"]?.stringValue != nil, "not the schema's shape: \(result.text)")
        }
    }

    @Test func cancellingTheConsumerStopsTheGeneration() async throws {
        try await LlamaServerFixture.withServer { server in
            let request = GenerationRequest(
                prompt: .chat([.user("Count from 1 to 1000, one number per line.")]),
                sampling: .greedy, maxTokens: 900, ignoreEndOfGeneration: true
            )
            let backend = Self.backend(server)
            let (firstText, firstTextSeen) = AsyncStream<Void>.makeStream()
            let consumer = Task {
                var pieces = 0
                for try await event in backend.generate(request) {
                    if case .text = event {
                        pieces += 1
                        if pieces == 1 { firstTextSeen.yield() }
                    }
                }
                return pieces
            }
            for await _ in firstText { break }
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let outcome = await consumer.result
            #expect(ContinuousClock.now - cancelledAt < .seconds(2), "the stream did not end promptly")
            // A cancelled AsyncThrowingStream simply ends, so the loop may return normally; any error must be
            // the cancellation itself.
            if case .failure(let error) = outcome {
                #expect(error is CancellationError, "unexpected \(error)")
            }
            // The server notices the closed connection, logs that it cancels the task, and frees the slot. The wait
            // is generous because a loaded 2-core machine decodes slowly; the log line is the proof it stopped.
            var idle = false
            var cancelled = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !(idle && cancelled) && ContinuousClock.now < deadline {
                let slots = try await server.getJSON("/slots") as? [[String: Any]] ?? []
                idle = !slots.isEmpty && slots.allSatisfy { ($0["is_processing"] as? Bool) == false }
                cancelled = server.logTail(lines: 200).contains("cancel task")
                if !(idle && cancelled) { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(cancelled, "llama-server did not cancel the task; its log ends:\n\(server.logTail())")
            #expect(idle, "llama-server kept generating after the cancel; its log ends:\n\(server.logTail())")
        }
    }

    @Test func aWrongPathIsABackendErrorWithTheStatus() async throws {
        try await LlamaServerFixture.withServer { server in
            let backend = OpenAIBackend(baseURL: URL(string: "http://127.0.0.1:\(server.port)/nope")!, model: "smollm2")
            let error = await #expect(throws: NexusError.self) {
                _ = try await backend.complete(GenerationRequest(prompt: .chat([.user("hi")]), maxTokens: 4))
            }
            #expect(error?.code == .backendError)
            #expect(error?.message.hasPrefix("http://127.0.0.1:\(server.port)/nope/chat/completions answered 404") == true)
        }
    }

    @Test func aRejectedRequestIsABackendErrorWithTheServersMessage() async throws {
        try await LlamaServerFixture.withServer { server in
            let request = GenerationRequest(prompt: .chat([.user("hi"), .assistant("a"), .assistant("b")]), maxTokens: 4)
            let error = await #expect(throws: NexusError.self) {
                _ = try await Self.backend(server).complete(request)
            }
            #expect(error?.code == .backendError)
            #expect(error?.message == "\(server.baseURL.absoluteString)/chat/completions answered 400: "
                + "Cannot have 2 or more assistant messages at the end of the list.")
        }
    }

    @Test func anUnreachablePortIsBackendUnavailableAtOnce() async throws {
        let port = try LlamaServerFixture.freePort()
        let backend = OpenAIBackend(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "smollm2")
        let started = ContinuousClock.now
        let error = await #expect(throws: NexusError.self) {
            _ = try await backend.complete(GenerationRequest(prompt: .chat([.user("hi")])))
        }
        #expect(error?.code == .backendUnavailable)
        #expect(error?.message.hasPrefix("cannot reach http://127.0.0.1:\(port)/v1/chat/completions: connection refused") == true,
                "\(error?.message ?? "")")
        #expect(error?.message.hasSuffix("start the server or check the address") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func readsEventsSplitAcrossReadsAtAnyByte() {
        let body = Array(": ping\r\n\r\ndata: {\"a\":\"é\"}\r\n\r\nevent: error\ndata: one\ndata:two\n\ndata: [DONE]\n\n".utf8)
        let expected = [
            ServerSentEvent(data: "{\"a\":\"é\"}"),
            ServerSentEvent(event: "error", data: "one\ntwo"),
            ServerSentEvent(data: "[DONE]"),
        ]
        for split in 0...body.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(body[..<split]) + parser.feed(body[split...]) + parser.finish()
            #expect(events == expected, "split at \(split)")
        }
    }

    @Test func aLastEventWithoutBlankLineIsKept() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: {}\n\ndata: last".utf8)) == [ServerSentEvent(data: "{}")])
        #expect(parser.finish() == [ServerSentEvent(data: "last")])
    }
}
