public import NexusCore

/// What the host and a Lua worker process say to each other: one JSON object per line, on the
/// worker's stdin (host → worker) and stdout (worker → host).
///
/// The host sends `run`; the worker answers with any number of requests (`call`, `credential`,
/// `dependency`), each followed by the host's `answer`, then one `finished`. The host trusts
/// nothing the worker says: every request is checked against the module's capabilities there.
public enum LuaWireMessage: Sendable {
    /// host → worker: run `code` (content id `id`) on `input` within the limits.
    case run(LuaRunRequest)
    /// worker → host: `nexus.call(tool, arguments)`.
    case call(tool: String, arguments: JSONValue)
    /// worker → host: `nexus.credential(name)`.
    case credential(name: String)
    /// worker → host: `require(name)`.
    case dependency(name: String)
    /// host → worker: the answer to the last request.
    case answer(LuaAnswer)
    /// worker → host: how the call ended.
    case finished(LuaOutcome)

    /// The message as one line of JSON (no newline inside: JSON escapes them).
    public var line: String {
        json.jsonText
    }

    /// Reads one line.
    /// - Throws: `NexusError(.invalidJSON)` when the line is not a message of this format.
    public init(line: String) throws {
        try self.init(json: JSONValue.parse(line))
    }

    var json: JSONValue {
        switch self {
        case .run(let request):
            return ["type": "run", "code": .string(request.code), "id": .string(request.id), "input": request.input,
                    "instructions": .number(Double(request.instructions)), "memory_bytes": .number(Double(request.memoryBytes)),
                    "seconds": .number(request.seconds), "compile_only": .bool(request.compileOnly)]
        case .call(let tool, let arguments):
            return ["type": "call", "tool": .string(tool), "arguments": arguments]
        case .credential(let name):
            return ["type": "credential", "name": .string(name)]
        case .dependency(let name):
            return ["type": "dependency", "name": .string(name)]
        case .answer(.text(let text)):
            return ["type": "answer", "text": .string(text)]
        case .answer(.module(let id, let code)):
            return ["type": "answer", "id": .string(id), "code": .string(code)]
        case .answer(.failure(let failure)):
            return ["type": "answer", "failure": .string(failure.message), "refused": .bool(failure.refused)]
        case .finished(let outcome):
            var object: JSONObject = ["type": "finished", "logs": .array(outcome.logs.map(JSONValue.string)),
                                      "instructions": .number(Double(outcome.instructions)), "peak_memory": .number(Double(outcome.peakMemory))]
            switch outcome.result {
            case .success(let output): object["output"] = output
            case .failure(let failure): object["failure"] = failure.failure.json
            }
            return .object(object)
        }
    }

    init(json: JSONValue) throws {
        func string(_ key: String) throws -> String {
            guard let value = json[key]?.stringValue else { throw Self.malformed("\"\(key)\" is missing or not a string") }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard let value = json[key]?.numberValue, value.isFinite, value >= 0, value < 9e15 else {
                throw Self.malformed("\"\(key)\" is missing or not a count")
            }
            return Int(value)
        }
        switch json["type"]?.stringValue {
        case "run":
            guard let seconds = json["seconds"]?.numberValue, seconds.isFinite, seconds > 0 else { throw Self.malformed("\"seconds\" must be positive") }
            self = .run(LuaRunRequest(code: try string("code"), id: try string("id"), input: json["input"] ?? .null,
                                      instructions: try integer("instructions"), memoryBytes: try integer("memory_bytes"), seconds: seconds,
                                      compileOnly: json["compile_only"]?.boolValue ?? false))
        case "call":
            self = .call(tool: try string("tool"), arguments: json["arguments"] ?? [:])
        case "credential":
            self = .credential(name: try string("name"))
        case "dependency":
            self = .dependency(name: try string("name"))
        case "answer":
            if let text = json["text"]?.stringValue {
                self = .answer(.text(text))
            } else if let code = json["code"]?.stringValue {
                self = .answer(.module(id: try string("id"), code: code))
            } else {
                self = .answer(.failure(LuaHostFailure(try string("failure"), refused: json["refused"]?.boolValue ?? false)))
            }
        case "finished":
            let result: Result<JSONValue, LuaFailure>
            if let failure = json["failure"] {
                result = .failure(LuaFailure(try LuaOutcome.Failure(json: failure)))
            } else {
                result = .success(json["output"] ?? .null)
            }
            let logs = (json["logs"]?.arrayValue ?? []).compactMap(\.stringValue)
            self = .finished(LuaOutcome(result: result, logs: logs, instructions: try integer("instructions"), peakMemory: try integer("peak_memory")))
        default:
            throw Self.malformed("unknown message type")
        }
    }

    static func malformed(_ problem: String) -> NexusError {
        NexusError(.invalidJSON, "a Lua worker message is malformed: \(problem)")
    }
}

/// What the host asks a worker to run.
public struct LuaRunRequest: Sendable, Hashable {
    public var code: String
    /// The module's content id (the chunk name is `nexus://ID`).
    public var id: String
    public var input: JSONValue
    public var instructions: Int
    public var memoryBytes: Int
    public var seconds: Double
    /// Only compile the code: `finished` then carries `null`, or the compiler's message as an error.
    public var compileOnly: Bool

    public init(code: String, id: String, input: JSONValue, instructions: Int, memoryBytes: Int, seconds: Double, compileOnly: Bool = false) {
        self.code = code
        self.id = id
        self.input = input
        self.instructions = instructions
        self.memoryBytes = memoryBytes
        self.seconds = seconds
        self.compileOnly = compileOnly
    }
}

/// The host's answer to one worker request.
public enum LuaAnswer: Sendable, Hashable {
    /// A tool's content or a credential's value.
    case text(String)
    /// A dependency's content id and code.
    case module(id: String, code: String)
    /// Why the request failed or was refused; it becomes a Lua error in the module.
    case failure(LuaHostFailure)
}

extension LuaOutcome.Failure {
    var json: JSONValue {
        switch self {
        case .error(let message): ["kind": "error", "message": .string(message)]
        case .instructionBudget: ["kind": "instruction_budget"]
        case .memoryLimit: ["kind": "memory_limit"]
        case .timeLimit: ["kind": "time_limit"]
        case .cancelled: ["kind": "cancelled"]
        case .refused(let message): ["kind": "refused", "message": .string(message)]
        case .badResult(let message): ["kind": "bad_result", "message": .string(message)]
        case .crashed(let message): ["kind": "crashed", "message": .string(message)]
        }
    }

    init(json: JSONValue) throws {
        let message = json["message"]?.stringValue ?? ""
        switch json["kind"]?.stringValue {
        case "error": self = .error(message)
        case "instruction_budget": self = .instructionBudget
        case "memory_limit": self = .memoryLimit
        case "time_limit": self = .timeLimit
        case "cancelled": self = .cancelled
        case "refused": self = .refused(message)
        case "bad_result": self = .badResult(message)
        case "crashed": self = .crashed(message)
        default: throw LuaWireMessage.malformed("unknown failure kind")
        }
    }
}
