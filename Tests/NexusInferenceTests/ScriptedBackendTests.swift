import Foundation
import NexusCore
import NexusInference
import Testing

@Suite struct ScriptedBackendTests {
    let request = GenerationRequest(prompt: .chat([.user("What is in a.txt?")]))

    /// Writes `text` to a fresh file and returns its URL.
    static func scriptFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nexus-script-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func replaysResponsesInOrderAcrossCopies() async throws {
        let url = try Self.scriptFile(#"{"responses": ["first answer", "second answer"]}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let backend = try ScriptedBackend(scriptURL: url)
        let copy = backend
        #expect(backend.modelName == "script:\(url.path)")
        #expect(try await backend.complete(request).text == "first answer")
        #expect(try await copy.complete(request).text == "second answer")
        #expect(backend.remainingResponses == 0)
    }

    @Test func streamsTheAnswerInChunksThenTheResult() async throws {
        let answer = "The file a.txt says hello to everyone who reads it today."
        let backend = ScriptedBackend(name: "chunks", responses: [answer])
        var pieces: [String] = []
        var result: GenerationResult?
        for try await event in backend.generate(request) {
            switch event {
            case .text(let piece): pieces.append(piece)
            case .done(let done): result = done
            }
        }
        #expect(pieces.count > 1)
        #expect(pieces.joined() == answer)
        #expect(result?.text == answer)
        #expect(result?.finishReason == .stop)
        #expect(result?.toolCalls.isEmpty == true)
        #expect(result?.usage.completionTokens == 11)
    }

    @Test func aToolCallResponseBecomesToolCalls() async throws {
        let backend = ScriptedBackend(name: "tools", responses: [
            #"<tool_call>{"name": "read_file", "arguments": {"path": "a.txt"}}</tool_call>"#,
            "It says hello.",
        ])
        let first = try await backend.complete(request)
        #expect(first.finishReason == .toolCalls)
        #expect(first.text == "")
        #expect(first.toolCalls == [ToolCall(id: "call_1", name: "read_file", arguments: ["path": "a.txt"])])
        let second = try await backend.complete(request)
        #expect(second.finishReason == .stop)
        #expect(second.text == "It says hello.")
    }

    @Test func runningOutOfResponsesSaysWhatToDo() async throws {
        let url = try Self.scriptFile(#"{"responses": ["only one"]}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let backend = try ScriptedBackend(scriptURL: url)
        _ = try await backend.complete(request)
        let error = await #expect(throws: NexusError.self) {
            _ = try await backend.complete(request)
        }
        #expect(error?.code == .scriptExhausted)
        #expect(error?.message == "the script \(url.path) has no response left (it holds 1); add responses or shorten the run")
    }

    @Test func aMalformedToolCallFailsThatGenerationLikeAModelWould() async throws {
        let backend = ScriptedBackend(name: "bad", responses: [#"<tool_call>{"name": "x", </tool_call>"#, "recovered"])
        let error = await #expect(throws: NexusError.self) {
            _ = try await backend.complete(request)
        }
        #expect(error?.code == .invalidToolCall)
        #expect(error?.message.contains("response 1 of the script bad") == true)
        #expect(try await backend.complete(request).text == "recovered")
    }

    @Test func aMissingFileIsAnIOErrorNamingThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/nexus/script.json")
        let error = #expect(throws: NexusError.self) { try ScriptedBackend(scriptURL: url) }
        #expect(error?.code == .ioError)
        #expect(error?.message.contains("/nonexistent/nexus/script.json") == true)
    }

    @Test func aDirectoryIsNotAScript() {
        let directory = FileManager.default.temporaryDirectory
        let error = #expect(throws: NexusError.self) { try ScriptedBackend(scriptURL: directory) }
        #expect(error?.code == .ioError)
        #expect(error?.message.contains("is a directory") == true)
    }

    @Test(arguments: [
        ("{not json", "is not valid JSON"),
        (#"["a", "b"]"#, #"has no "responses" array"#),
        (#"{"responses": "a"}"#, #"has no "responses" array"#),
        (#"{"responses": ["a", 2]}"#, "response 2 that is not a string"),
    ])
    func aBadScriptIsAnInvalidArgumentSayingWhatToFix(text: String, problem: String) throws {
        let url = try Self.scriptFile(text)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: NexusError.self) { try ScriptedBackend(scriptURL: url) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(url.path) == true)
        #expect(error?.message.contains(problem) == true)
        #expect(error?.message.contains(#"{"responses": ["#) == true)
    }
}
