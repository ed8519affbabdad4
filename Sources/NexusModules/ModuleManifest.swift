public import NexusCore

/// What a module says about itself (`manifest.json` beside its Lua code): a name and semantic
/// version, a description, the JSON Schemas of its input and output, the capabilities it asks for
/// in the policy's terms, its dependencies, its limits and its own test cases.
///
/// ```json
/// {"name": "word_count", "version": "1.0.0", "description": "Counts words in workspace files.",
///  "input": {"type": "object", "properties": {"paths": {"type": "array", "items": {"type": "string"}}}},
///  "output": {"type": "object"},
///  "capabilities": {"tools": ["filesystem_read"], "read": ["."]},
///  "dependencies": {"text_utils": "^1.0.0"},
///  "tests": [{"name": "counts", "files": {"a.txt": "one two"}, "input": {"paths": ["a.txt"]}, "expect": {"total": 2}}]}
/// ```
///
/// Parsing checks the shape (types of fields, a valid name and version); validation checks the
/// rest (schemas, capabilities, dependencies, code, tests) and reports every problem at once.
public struct ModuleManifest: Sendable, Hashable {
    /// The manifest keys Nexus knows, in documentation order.
    public static let keys = ["name", "version", "description", "input", "output", "capabilities", "dependencies", "limits", "tests", "attestation"]

    public var name: String
    public var version: SemanticVersion
    public var description: String
    /// JSON Schema of the module's input (an object schema; it is the tool's parameters).
    public var input: JSONValue
    /// JSON Schema of what `run` returns.
    public var output: JSONValue
    public var capabilities: ModuleCapabilities
    /// Dependency name → version requirement.
    public var dependencies: [(name: String, requirement: VersionRequirement)]
    public var limits: ModuleLimits
    public var tests: [ModuleTestCase]
    /// Set on promoted versions: what was validated (draft id, report digest, pinned dependencies).
    public var attestation: JSONObject?
    /// The manifest as given, for hashing and storage.
    public var json: JSONObject

    /// Reads a manifest.
    /// - Throws: `NexusError(.invalidModule)` naming the field that is missing or malformed.
    public init(json value: JSONValue) throws {
        guard let object = value.objectValue else {
            throw NexusError(.invalidModule, "a module manifest must be a JSON object like {\"name\": \"my_tool\", \"version\": \"1.0.0\", ...}")
        }
        if let unknown = object.keys.first(where: { !Self.keys.contains($0) }) {
            throw NexusError(.invalidModule, "the manifest has an unknown key '\(unknown)'; known keys: \(Self.keys.joined(separator: ", "))")
        }
        guard let name = object["name"]?.stringValue, Self.isValidName(name) else {
            throw NexusError(.invalidModule, "the manifest's \"name\" must be 1 to 64 lowercase letters, digits or '_', starting with a letter (it becomes the tool name)")
        }
        guard let versionText = object["version"]?.stringValue, let version = SemanticVersion(versionText) else {
            throw NexusError(.invalidModule, "module \(name): \"version\" must be a semantic version like \"1.0.0\"")
        }
        guard let description = object["description"]?.stringValue, description.contains(where: { !$0.isWhitespace }) else {
            throw NexusError(.invalidModule, "module \(name): \"description\" must say what the module does (the model reads it)")
        }
        self.name = name
        self.version = version
        self.description = description
        input = object["input"] ?? ["type": "object", "properties": [:]]
        output = object["output"] ?? [:]
        capabilities = try ModuleCapabilities(json: object["capabilities"], module: name)
        var dependencies: [(String, VersionRequirement)] = []
        if let given = object["dependencies"] {
            guard let table = given.objectValue else {
                throw NexusError(.invalidModule, "module \(name): \"dependencies\" must be an object of name → version requirement, like {\"csv\": \"^1.0.0\"}")
            }
            for (dependency, requirement) in table {
                guard Self.isValidName(dependency), dependency != name else {
                    throw NexusError(.invalidModule, "module \(name): '\(dependency)' is not a dependency name a module can have")
                }
                guard let text = requirement.stringValue, let parsed = VersionRequirement(text) else {
                    throw NexusError(.invalidModule, "module \(name): the requirement for '\(dependency)' must be like \"1.2.3\", \"^1.2.0\", \"~1.2.0\", \">=1.0.0\" or \"*\"")
                }
                dependencies.append((dependency, parsed))
            }
        }
        self.dependencies = dependencies
        limits = try ModuleLimits(json: object["limits"], module: name)
        if let given = object["tests"] {
            guard let items = given.arrayValue else {
                throw NexusError(.invalidModule, "module \(name): \"tests\" must be a list of test cases")
            }
            tests = try items.enumerated().map { try ModuleTestCase(json: $1, position: $0 + 1, module: name) }
        } else {
            tests = []
        }
        if let given = object["attestation"] {
            guard let table = given.objectValue else { throw NexusError(.invalidModule, "module \(name): \"attestation\" must be an object") }
            attestation = table
        } else {
            attestation = nil
        }
        json = object
    }

    /// The canonical text that is stored and hashed.
    public var canonicalText: String { CanonicalJSON.text(.object(json)) }

    /// The manifest without its attestation: what the author wrote.
    public var authored: ModuleManifest {
        var copy = self
        copy.json["attestation"] = nil
        copy.attestation = nil
        return copy
    }

    /// `name@version`.
    public var reference: String { "\(name)@\(version)" }

    /// Whether `name` is a module name: a lowercase letter, then up to 63 lowercase letters, digits or `_`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.unicodeScalars.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    public static func == (lhs: ModuleManifest, rhs: ModuleManifest) -> Bool { lhs.json == rhs.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}

/// Per-call limits a module asks for; the host's maxima still apply.
public struct ModuleLimits: Sendable, Hashable {
    /// Most Lua VM instructions per call.
    public var instructions: Int
    /// Most bytes the Lua state may hold.
    public var memoryBytes: Int
    /// Most wall-clock seconds per call.
    public var seconds: Double

    public static let `default` = ModuleLimits(instructions: 50_000_000, memoryBytes: 64 << 20, seconds: 10)

    public init(instructions: Int, memoryBytes: Int, seconds: Double) {
        self.instructions = instructions
        self.memoryBytes = memoryBytes
        self.seconds = seconds
    }

    init(json: JSONValue?, module: String) throws {
        self = .default
        guard let json else { return }
        guard let table = json.objectValue else {
            throw NexusError(.invalidModule, "module \(module): \"limits\" must be an object like {\"instructions\": 1000000, \"memory_mb\": 16, \"seconds\": 5}")
        }
        for (key, value) in table {
            guard let number = value.numberValue, number > 0, number.isFinite else {
                throw NexusError(.invalidModule, "module \(module): limits.\(key) must be a number greater than 0")
            }
            switch key {
            case "instructions": instructions = Int(min(number, 1e15))
            case "memory_mb": memoryBytes = Int(min(number, Double(1 << 20)) * Double(1 << 20))
            case "seconds": seconds = number
            default:
                throw NexusError(.invalidModule, "module \(module): unknown limit '\(key)'; use instructions, memory_mb or seconds")
            }
        }
    }

    /// Each limit the smaller of the two.
    func capped(by other: ModuleLimits) -> ModuleLimits {
        ModuleLimits(instructions: min(instructions, other.instructions), memoryBytes: min(memoryBytes, other.memoryBytes),
                     seconds: min(seconds, other.seconds))
    }
}

/// One of a module's own test cases, run in the sandbox during validation.
public struct ModuleTestCase: Sendable, Hashable {
    public var name: String
    public var input: JSONValue
    /// The exact output expected, when given.
    public var expect: JSONValue?
    /// When given, the call must fail with a message containing this text.
    public var expectError: String?
    /// Files (relative path → text) placed in the test's temporary workspace.
    public var files: [String: String]
    /// Canned results for tools: tool name → `{"status": "ok", "content": "..."}`; those tools are
    /// not run during the test.
    public var tools: [String: ToolResult]
    /// Credential values (environment variable → value) visible to the test.
    public var env: [String: String]
    /// A recorded trace to replay: the module must make exactly these calls, in this order, and
    /// gets the recorded results (how a crystallized module is checked against its traces).
    public var calls: [RecordedToolCall]

    init(json: JSONValue, position: Int, module: String) throws {
        guard let object = json.objectValue else {
            throw NexusError(.invalidModule, "module \(module): test \(position) must be an object with at least \"input\"")
        }
        let known = ["name", "input", "expect", "expect_error", "files", "tools", "env", "calls"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw NexusError(.invalidModule, "module \(module): test \(position) has an unknown key '\(unknown)'; known keys: \(known.joined(separator: ", "))")
        }
        name = object["name"]?.stringValue ?? "test \(position)"
        guard let input = object["input"] else {
            throw NexusError(.invalidModule, "module \(module): test '\(name)' needs an \"input\"")
        }
        self.input = input
        expect = object["expect"]
        expectError = object["expect_error"]?.stringValue
        files = [:]
        for (path, text) in object["files"]?.objectValue ?? [:] {
            guard let text = text.stringValue else { throw NexusError(.invalidModule, "module \(module): test '\(name)': file \(path) must be given as text") }
            files[path] = text
        }
        tools = [:]
        for (tool, result) in object["tools"]?.objectValue ?? [:] {
            guard let content = result["content"]?.stringValue else {
                throw NexusError(.invalidModule, "module \(module): test '\(name)': the canned result of \(tool) needs \"content\"")
            }
            let status = ToolResult.Status(rawValue: result["status"]?.stringValue ?? "ok") ?? .error
            tools[tool] = ToolResult(status: status, content: content)
        }
        env = [:]
        for (variable, value) in object["env"]?.objectValue ?? [:] {
            env[variable] = value.stringValue ?? value.jsonText
        }
        let testName = name
        calls = try (object["calls"]?.arrayValue ?? []).enumerated().map { index, call in
            guard let tool = call["tool"]?.stringValue, let content = call["result"]?["content"]?.stringValue else {
                throw NexusError(.invalidModule, "module \(module): test '\(testName)': recorded call \(index + 1) needs \"tool\" and \"result\": {\"content\": ...}")
            }
            let status = ToolResult.Status(rawValue: call["result"]?["status"]?.stringValue ?? "ok") ?? .error
            return RecordedToolCall(tool: tool, arguments: call["arguments"] ?? .object([:]), result: ToolResult(status: status, content: content))
        }
    }
}

/// One tool call of a recorded trace, with the result it got.
public struct RecordedToolCall: Sendable, Hashable {
    public var tool: String
    public var arguments: JSONValue
    public var result: ToolResult

    public init(tool: String, arguments: JSONValue, result: ToolResult) {
        self.tool = tool
        self.arguments = arguments
        self.result = result
    }
}
