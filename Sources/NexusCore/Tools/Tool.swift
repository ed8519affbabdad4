public import Foundation

/// What a tool call produced: a status the model can act on, the content, and whether the
/// content was cut to fit the policy's output limit.
public struct ToolResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The tool did its job.
        case ok
        /// The tool ran and failed (bad path, non-zero exit, ...): the model should adapt.
        case error
        /// The call crossed the capability policy and was not carried out.
        case refused
    }

    public var status: Status
    public var content: String
    public var truncated: Bool

    public init(status: Status, content: String, truncated: Bool = false) {
        self.status = status
        self.content = content
        self.truncated = truncated
    }

    public static func ok(_ content: String, truncated: Bool = false) -> ToolResult { ToolResult(status: .ok, content: content, truncated: truncated) }
    public static func error(_ content: String) -> ToolResult { ToolResult(status: .error, content: content) }
    public static func refused(_ content: String) -> ToolResult { ToolResult(status: .refused, content: content) }
}

/// Where and under which policy a tool call runs.
public struct ToolContext: Sendable {
    /// The folder relative paths resolve against.
    public var workspace: URL
    public var policy: CapabilityPolicy
    /// The run making the call, when there is one.
    public var runID: String?
    /// Paths the run has looked at (read, listed); nil outside an agent run. When set, a tool
    /// refuses to replace an existing file the run never looked at: a small model otherwise
    /// writes over a file it was asked to change without knowing its text.
    public var observedPaths: Set<String>?
    /// What the run opened once for all its calls (the file tools' pinned roots); nil outside a
    /// run, where each call opens the policy's roots for itself.
    public var resources: RunResources?
    /// The Python code the run ran before this call, oldest first: its imports, functions and
    /// classes are defined again for the next code, as in a notebook; nil outside a run.
    public var earlierCode: [String]?

    public init(workspace: URL, policy: CapabilityPolicy, runID: String? = nil, observedPaths: Set<String>? = nil,
                resources: RunResources? = nil) {
        self.workspace = workspace
        self.policy = policy
        self.runID = runID
        self.observedPaths = observedPaths
        self.resources = resources
    }
}

/// Something the agent can do: a name, a description and an argument schema for the model, and
/// the code that does it under a policy.
public protocol Tool: Sendable {
    /// Name, description and JSON Schema of the arguments, as the model sees them.
    var definition: ToolDefinition { get }

    /// Carries out one call whose arguments already validated against `definition.parameters`.
    /// A call outside `context.policy` returns a `.refused` result rather than throwing; throwing
    /// is for failures of Nexus itself.
    func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult

    /// Whether any call could succeed under `policy`. A tool that every call would be refused
    /// (`web_fetch` with no network host allowed) is not offered to the model: it would only
    /// distract it. Calls still go through the policy either way.
    func isUsable(under policy: CapabilityPolicy) -> Bool

    /// Whether the tool only looks (lists, reads, searches) and changes nothing, so that calling
    /// it again is harmless.
    var onlyObserves: Bool { get }

    /// Words of the tasks this tool serves, beyond those of its name and description ("total",
    /// "sum" for Python): the agent offers a small model only the tools a task's words point to.
    var keywords: [String] { get }

    /// Whether the tool finds out what a question asks (looks, computes, fetches): a question
    /// is offered only such tools. Tools that only observe do.
    var answersQuestions: Bool { get }
}

extension Tool {
    /// Tools change things unless they say otherwise.
    public var onlyObserves: Bool { false }

    /// No words beyond the name and description.
    public var keywords: [String] { [] }

    public var answersQuestions: Bool { onlyObserves }

    /// Usable under any policy; tools that need a capability a policy may withhold say so.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { true }
}
