public import NexusCore

/// The tools of a run, by name: what the model is shown, and the one place calls go through.
///
/// Every call is checked before its tool runs: an unknown name or arguments that break the tool's
/// JSON Schema come back as `.error` results that tell the model what to send instead; a tool that
/// throws becomes a one-line `.error`; and the result is cut to the policy's `outputBytes`.
///
/// ```swift
/// let registry = try ToolRegistry([FilesystemReadTool(), FilesystemWriteTool()])
/// let outcome = await registry.call(toolCall, context: context)
/// ```
public struct ToolRegistry: Sendable {
    private struct Entry: Sendable {
        var tool: any Tool
        var definition: ToolDefinition
        var schema: JSONSchema
    }

    private let entries: [Entry]
    private let positions: [String: Int]

    /// Registers tools, checking each definition once, at startup.
    /// - Parameter tools: The tools, in the order the model is shown them.
    /// - Throws: `NexusError` with code `invalidArgument` when two tools share a name or a name is not
    ///   1–64 letters, digits, `_` or `-`; with code `invalidSchema` or `unsupportedSchema` when a tool's
    ///   parameters are not a JSON Schema of an object that `JSONSchema` accepts. The message names the tool.
    public init(_ tools: [any Tool]) throws {
        var entries: [Entry] = []
        var positions: [String: Int] = [:]
        for tool in tools {
            let definition = tool.definition
            try Self.checkName(definition.name)
            guard positions[definition.name] == nil else {
                throw NexusError(.invalidArgument, "two tools are named '\(definition.name)'; tool names must be unique")
            }
            let schema: JSONSchema
            do {
                schema = try JSONSchema(definition.parameters)
            } catch let error as NexusError {
                throw NexusError(error.code, "the parameters schema of tool '\(definition.name)' is not usable: \(error.message)")
            }
            guard definition.parameters["type"] == "object" else {
                throw NexusError(.invalidSchema,
                                 "the parameters schema of tool '\(definition.name)' must have \"type\": \"object\" (tool arguments are a JSON object)")
            }
            positions[definition.name] = entries.count
            entries.append(Entry(tool: tool, definition: definition, schema: schema))
        }
        self.entries = entries
        self.positions = positions
    }

    /// The registry with more tools after these, checked as ``init(_:)`` checks.
    /// - Throws: As ``init(_:)``, for instance when a new tool's name is taken.
    public func adding(_ tools: [any Tool]) throws -> ToolRegistry {
        try ToolRegistry(entries.map(\.tool) + tools)
    }

    /// The tools as the model sees them, in registration order.
    public var definitions: [ToolDefinition] { entries.map(\.definition) }

    /// The tools worth offering to a model under `policy`: those some call could succeed with
    /// (``Tool/isUsable(under:)``), in registration order.
    public func definitions(usableUnder policy: CapabilityPolicy) -> [ToolDefinition] {
        entries.filter { $0.tool.isUsable(under: policy) }.map(\.definition)
    }

    /// Whether the tool with this name only observes (``Tool/onlyObserves``); false when unknown.
    public func onlyObserves(_ name: String) -> Bool {
        tool(named: name)?.onlyObserves ?? false
    }

    /// The extra task words of the tool with this name (``Tool/keywords``); empty when unknown.
    public func keywords(of name: String) -> [String] {
        tool(named: name)?.keywords ?? []
    }

    /// Whether the tool with this name finds out what a question asks (``Tool/answersQuestions``).
    public func answersQuestions(_ name: String) -> Bool {
        tool(named: name)?.answersQuestions ?? false
    }

    /// The registered names, in registration order.
    public var names: [String] { entries.map(\.definition.name) }

    /// The tool with this name, if registered.
    public func tool(named name: String) -> (any Tool)? {
        positions[name].map { entries[$0].tool }
    }

    /// Checks and runs one call, and never throws: every failure is a result the model can act on.
    /// - Parameters:
    ///   - call: The model's call.
    ///   - context: Workspace and policy; `policy.limits.outputBytes` bounds the result's content.
    /// - Returns: The result and how long the call took, in seconds.
    public func call(_ call: ToolCall, context: ToolContext) async -> ToolCallOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let result = await run(call, context: context)
        let limited = OutputLimit.apply(to: result, maxBytes: context.policy.limits.outputBytes)
        return ToolCallOutcome(result: limited, duration: start.duration(to: clock.now).inSeconds)
    }

    private func run(_ call: ToolCall, context: ToolContext) async -> ToolResult {
        guard let position = positions[call.name] else {
            return .error(unknownToolMessage(call.name))
        }
        let entry = entries[position]
        let violations = entry.schema.validate(call.arguments)
        if !violations.isEmpty {
            return .error(Self.invalidArgumentsMessage(tool: entry.definition, violations: violations))
        }
        do {
            return try await entry.tool.run(call.arguments, context: context)
        } catch {
            return .error("\(call.name) failed: \(Self.oneLine(error))")
        }
    }

    // MARK: - Messages

    private func unknownToolMessage(_ name: String) -> String {
        let available = names.isEmpty ? "none" : names.joined(separator: ", ")
        var message = "unknown tool '\(name)'; available tools: \(available)"
        if let suggestion = Self.closest(to: name, among: names) {
            message += "; did you mean '\(suggestion)'?"
        }
        return message
    }

    /// What was wrong (up to five violations) and the shape the tool expects.
    static func invalidArgumentsMessage(tool: ToolDefinition, violations: [SchemaViolation]) -> String {
        var listed = violations.prefix(5).map(\.description).joined(separator: "; ")
        if violations.count > 5 { listed += "; and \(violations.count - 5) more" }
        return "invalid arguments for \(tool.name): \(listed). Expected arguments: \(ArgumentShape.describe(tool.parameters))"
    }

    /// The registered name sharing the most `_`-separated words with `name`, if any.
    static func closest(to name: String, among names: [String]) -> String? {
        func words(_ text: String) -> Set<String> {
            Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        }
        let wanted = words(name)
        let scored = names.map { ($0, words($0).intersection(wanted).count) }.filter { $0.1 > 0 }
        return scored.max { $0.1 < $1.1 }?.0
    }

    /// An error as one line of at most 500 characters.
    static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let error as NexusError: text = error.message
        case is CancellationError: text = "cancelled"
        default: text = String(describing: error)
        }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= 500 ? line : String(line.prefix(500)) + "…"
    }

    private static func checkName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard allowed, (1...64).contains(name.utf8.count) else {
            throw NexusError(.invalidArgument, "the tool name '\(name)' is not allowed; use 1 to 64 letters, digits, '_', '-' or '.'")
        }
    }
}

/// What one call through ``ToolRegistry/call(_:context:)`` produced.
public struct ToolCallOutcome: Sendable, Hashable {
    /// The result, its content within the policy's output limit.
    public var result: ToolResult
    /// Wall-clock seconds from receiving the call to having the result.
    public var duration: Double

    public init(result: ToolResult, duration: Double) {
        self.result = result
        self.duration = duration
    }
}
