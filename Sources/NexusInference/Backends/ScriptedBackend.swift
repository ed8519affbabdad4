public import Foundation
public import NexusCore
import Synchronization

/// A backend that replays canned responses, one per generation, for deterministic tests of the agent loop.
///
/// A script is a JSON file:
///
/// ```json
/// {"responses": [
///   "<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.txt\"}}</tool_call>",
///   "The file says hello."
/// ]}
/// ```
///
/// Each response is read with ``ToolCallMarkup``: a response holding `<tool_call>` blocks becomes tool calls
/// (finish reason `toolCalls`), any other text is a final answer (finish reason `stop`). A response whose markup
/// is malformed fails its generation with `invalidToolCall`, as a model's would, so scripts can exercise the
/// agent's recovery too. The request itself is ignored.
///
/// Copies share one cursor: the script is read once, in order, however many copies hold it.
public struct ScriptedBackend: InferenceBackend {
    public let modelName: String
    private let source: String
    private let responses: [String]
    private let cursor: Cursor

    /// Loads a script file.
    ///
    /// - Parameter scriptURL: a JSON file of the form `{"responses": ["…", …]}`.
    /// - Throws: `NexusError` with code `ioError` when the file cannot be read, or `invalidArgument` when it is
    ///   not JSON of that shape.
    public init(scriptURL: URL) throws {
        let path = scriptURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw NexusError(.ioError, "the script \(path) is a directory; give the path of a JSON script file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: scriptURL)
        } catch {
            throw NexusError(.ioError, "cannot read the script \(path) (\(Self.reason(error))); check the path")
        }
        let shape = #"write it as {"responses": ["first reply", "second reply"]}"#
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch let error as NexusError {
            throw NexusError(.invalidArgument, "the script \(path) is not valid JSON (\(error.jsonProblem)); \(shape)")
        }
        guard let list = document["responses"]?.arrayValue else {
            throw NexusError(.invalidArgument, "the script \(path) has no \"responses\" array; \(shape)")
        }
        var responses: [String] = []
        for (index, item) in list.enumerated() {
            guard let text = item.stringValue else {
                throw NexusError(.invalidArgument,
                                 "the script \(path) has a response \(index + 1) that is not a string (\(item.jsonText)); \(shape)")
            }
            responses.append(text)
        }
        self.init(source: path, responses: responses)
    }

    /// A script held in memory.
    ///
    /// - Parameters:
    ///   - name: names the script in `modelName` (`script:<name>`) and in errors.
    ///   - responses: the model's outputs, in order, in the form ``ToolCallMarkup`` reads.
    public init(name: String, responses: [String]) {
        self.init(source: name, responses: responses)
    }

    private init(source: String, responses: [String]) {
        self.modelName = "script:\(source)"
        self.source = source
        self.responses = responses
        self.cursor = Cursor()
    }

    /// How many responses are still to be replayed.
    public var remainingResponses: Int {
        max(0, responses.count - cursor.used)
    }

    /// Replays the next response: its content in a few text chunks, then the result.
    ///
    /// The response is taken when `generate` is called, whether or not the stream is read.
    /// The stream throws `NexusError` with code `scriptExhausted` when no response is left, or
    /// `invalidToolCall` when the response holds malformed tool-call markup.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        guard let index = cursor.take(limit: responses.count) else {
            continuation.finish(throwing: NexusError(.scriptExhausted,
                "the script \(source) has no response left (it holds \(responses.count)); add responses or shorten the run"))
            return stream
        }
        let response = responses[index]
        do {
            let (content, toolCalls) = try ToolCallMarkup.parse(response)
            for chunk in Self.chunks(of: content) {
                continuation.yield(.text(chunk))
            }
            let usage = GenerationUsage(
                promptTokens: Self.wordCount(of: request.prompt),
                completionTokens: Self.wordCount(response)
            )
            let result = GenerationResult(
                text: content, toolCalls: toolCalls,
                finishReason: toolCalls.isEmpty ? .stop : .toolCalls, usage: usage
            )
            continuation.yield(.done(result))
            continuation.finish()
        } catch let error as NexusError {
            continuation.finish(throwing: NexusError(error.code, "response \(index + 1) of the script \(source): \(error.message)"))
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }

    /// Splits text into at most three pieces at word boundaries, so consumers see a stream rather than one piece.
    static func chunks(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var pieces: [String] = []
        var current = ""
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let perChunk = max(1, (words.count + 2) / 3)
        for (index, word) in words.enumerated() {
            current += (index == 0 ? "" : " ") + word
            if (index + 1) % perChunk == 0 && index + 1 < words.count {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0.isWhitespace }).count
    }

    static func wordCount(of prompt: Prompt) -> Int {
        switch prompt {
        case .text(let text): wordCount(text)
        case .chat(let messages): messages.reduce(0) { $0 + wordCount($1.content) }
        }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        return nsError.localizedDescription
    }

    /// The position in the script, shared by every copy of the backend.
    private final class Cursor: Sendable {
        private let next = Mutex(0)

        var used: Int { next.withLock { $0 } }

        /// Takes the next index below `limit`, or nil when the script is used up.
        func take(limit: Int) -> Int? {
            next.withLock { next in
                guard next < limit else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }
}
