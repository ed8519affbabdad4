import Crypto
public import Foundation
public import NexusCore

/// One step of a run: a tool call (or the final answer) and what it cost. The store keeps steps
/// in the order they are saved.
public struct RunStep: Sendable, Codable, Hashable {
    public var runID: String
    /// The loop's step (turn) number; the tool calls of one turn share it.
    public var index: Int
    /// The tool called; nil for a step that only answered.
    public var tool: String?
    public var arguments: JSONValue?
    /// "ok", "error", "refused" or "answer" (not checked by the store).
    public var status: String
    /// SHA-256 of the full result, in lowercase hex.
    public var resultDigest: String?
    /// The start of the result, for display.
    public var resultExcerpt: String?
    /// The whole result (already capped by the policy's output limit): what a follower derives values from.
    public var result: String?
    public var durationSeconds: Double
    public var promptTokens: Int
    public var completionTokens: Int
    public var createdAt: Date
    /// CPU seconds its sandboxed commands used (their process trees included).
    public var sandboxCPUSeconds: Double

    public init(runID: String, index: Int, tool: String? = nil, arguments: JSONValue? = nil, status: String,
                resultDigest: String? = nil, resultExcerpt: String? = nil, result: String? = nil, durationSeconds: Double = 0,
                promptTokens: Int = 0, completionTokens: Int = 0, createdAt: Date = Date(), sandboxCPUSeconds: Double = 0) {
        self.runID = runID
        self.index = index
        self.tool = tool
        self.arguments = arguments
        self.status = status
        self.resultDigest = resultDigest
        self.resultExcerpt = resultExcerpt
        self.result = result
        self.durationSeconds = durationSeconds
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.createdAt = createdAt
        self.sandboxCPUSeconds = sandboxCPUSeconds
    }
}

extension RunStep {
    /// The step of one tool call and its result: the whole result, its start for display, and
    /// its SHA-256 so traces can compare results without reading them whole.
    public init(runID: String, index: Int, call tool: String, arguments: JSONValue, result: ToolResult, durationSeconds: Double,
                createdAt: Date = Date(), sandboxCPUSeconds: Double = 0) {
        self.init(runID: runID, index: index, tool: tool, arguments: arguments, status: result.status.rawValue,
                  resultDigest: SHA256.hash(data: Data(result.content.utf8)).map { String(format: "%02x", $0) }.joined(),
                  resultExcerpt: String(result.content.prefix(500)), result: result.content, durationSeconds: durationSeconds,
                  createdAt: createdAt, sandboxCPUSeconds: sandboxCPUSeconds)
    }
}
