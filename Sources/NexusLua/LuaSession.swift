import CLua
import Foundation
public import NexusCore

/// One fresh, sandboxed Lua state for one module call: safe libraries only, a memory cap, an
/// instruction budget and a deadline, and the host functions of `LuaPrelude`. Use it on one
/// thread only and discard it afterwards; nothing survives from one call to the next.
///
/// The session is the first line of defence (it stops a call with a precise message); the
/// boundary is the worker process it runs in (``LuaWorkerLoop``), which the host kills and
/// whose crash ends nothing else.
public final class LuaSession {
    private let limits: UnsafeMutablePointer<nexus_lua_limits>
    /// The main Lua thread.
    private let main: OpaquePointer
    /// The Lua thread whose stack host functions work on: the main thread, or the coroutine that
    /// called a host function.
    private var L: OpaquePointer
    private let host: any LuaHost
    private var logs: [String] = []
    private var refusal: String?
    private var mainReference: Int32 = 0
    private var arrayMetatableReference: Int32 = 0
    private var nullReference: Int32 = 0

    /// Most lines and bytes of log output kept.
    static let maxLogLines = 200
    static let maxLogLineBytes = 2000
    /// Most nesting of JSON values crossing the boundary.
    static let maxDepth = 64
    private static let hookStep: Int32 = 1000

    private enum HostFunction: Int32, CaseIterable {
        case call = 1, credential, decode, encode, log, load
    }

    /// A new state, or nil when memory is short.
    /// - Parameters:
    ///   - host: What `nexus.call`, `nexus.credential` and `require` reach.
    ///   - instructions: The VM instruction budget of the call.
    ///   - memoryBytes: The most bytes the state may hold.
    public init?(host: any LuaHost, instructions: Int, memoryBytes: Int) {
        limits = .allocate(capacity: 1)
        limits.initialize(to: nexus_lua_limits())
        limits.pointee.memory_limit = memoryBytes
        limits.pointee.unlimited = 1
        limits.pointee.instruction_limit = Int64(instructions)
        limits.pointee.host = luaHostEntry
        guard let state = nexus_lua_new_state(limits) else {
            limits.deallocate()
            return nil
        }
        main = state
        L = state
        self.host = host
        limits.pointee.host_context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        lua_close(main)
        limits.deallocate()
    }

    /// The compiler's message when `code` does not compile as a Lua text chunk, or nil.
    public static func syntaxError(in code: String, id: String) -> String? {
        final class NoHost: LuaHost, @unchecked Sendable {
            func callTool(_ name: String, arguments: JSONValue) -> Result<String, LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
            func credential(_ name: String) -> Result<String, LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
            func dependency(_ name: String) -> Result<(id: String, code: String), LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
        }
        guard let session = LuaSession(host: NoHost(), instructions: 1, memoryBytes: 64 << 20) else { return "not enough memory to compile" }
        guard session.load(code, chunkName: "=nexus://\(id)") else { return session.popMessage() }
        return nil
    }

    /// Asks a running call to stop at its next instruction check; safe from any thread.
    public func cancel() {
        limits.pointee.cancelled = 1
    }

    /// Runs a module: its code (chunk name `nexus://ID`) must return a table with `run(input)`.
    /// - Parameters:
    ///   - code: The Lua source (text only; binary chunks are refused).
    ///   - id: The module's content id, for the chunk name.
    ///   - input: The argument of `run`.
    ///   - seconds: The wall-clock limit from now.
    public func run(code: String, id: String, input: JSONValue, seconds: Double) -> LuaOutcome {
        let result = execute(code: code, id: id, input: input, seconds: seconds)
        return LuaOutcome(result: result, logs: logs, instructions: Int(limits.pointee.instructions),
                          peakMemory: limits.pointee.memory_peak)
    }

    private func execute(code: String, id: String, input: JSONValue, seconds: Double) -> Result<JSONValue, LuaFailure> {
        if let failure = prepare() { return .failure(failure) }
        guard load(code, chunkName: "=nexus://\(id)") else { return .failure(LuaFailure(.error(popMessage()))) }
        lua_rawgeti(L, nexus_lua_registry_index(), lua_Integer(mainReference))
        nexus_lua_insert(L, -2)
        if let problem = push(input, depth: 0) { return .failure(LuaFailure(.badResult("the input " + problem))) }
        limits.pointee.deadline = nexus_lua_now() + max(0.001, seconds)
        nexus_lua_start_limits(L, limits, Self.hookStep)
        let status = nexus_lua_pcall(L, 2, 1)
        lua_sethook(L, nil, 0, 0)
        limits.pointee.unlimited = 1
        if status != LUA_OK {
            let message = popMessage()
            switch limits.pointee.stop_reason {
            case Int32(NEXUS_LUA_STOP_INSTRUCTIONS): return .failure(LuaFailure(.instructionBudget))
            case Int32(NEXUS_LUA_STOP_MEMORY): return .failure(LuaFailure(.memoryLimit))
            case Int32(NEXUS_LUA_STOP_TIME): return .failure(LuaFailure(.timeLimit))
            case Int32(NEXUS_LUA_STOP_CANCELLED): return .failure(LuaFailure(.cancelled))
            default: break
            }
            if status == LUA_ERRMEM { return .failure(LuaFailure(.memoryLimit)) }
            if let refusal { return .failure(LuaFailure(.refused(refusal))) }
            return .failure(LuaFailure(.error(message)))
        }
        switch read(-1, depth: 0) {
        case .success(let value):
            return .success(value)
        case .failure(let problem):
            return .failure(LuaFailure(.badResult(problem.message)))
        }
    }

    /// Opens the safe libraries and runs the prelude, uncapped.
    private func prepare() -> LuaFailure? {
        nexus_lua_open_safe_libraries(L)
        guard load(LuaPrelude.source, chunkName: "=nexus:prelude") else { return LuaFailure(.error("prelude: " + popMessage())) }
        for function in HostFunction.allCases {
            nexus_lua_push_host_function(L, function.rawValue)
        }
        guard nexus_lua_pcall(L, Int32(HostFunction.allCases.count), 3) == LUA_OK else {
            return LuaFailure(.error("prelude: " + popMessage()))
        }
        nullReference = luaL_ref(L, nexus_lua_registry_index())
        arrayMetatableReference = luaL_ref(L, nexus_lua_registry_index())
        mainReference = luaL_ref(L, nexus_lua_registry_index())
        return nil
    }

    private func load(_ code: String, chunkName: String) -> Bool {
        var bytes = Array(code.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer in
                luaL_loadbufferx(L, pointer, bytes.count - 1, chunkName, "t") == LUA_OK
            }
        }
    }

    // MARK: - Host functions

    /// Called by the C trampoline with the arguments on the stack; returns the number of results,
    /// or -1 with an error message pushed.
    fileprivate func handle(_ which: Int32, on thread: OpaquePointer) -> Int32 {
        let previous = L
        L = thread
        defer { L = previous }
        switch HostFunction(rawValue: which) {
        case .call:
            guard let name = string(at: 1) else { return fail("nexus.call needs a tool name") }
            let arguments: JSONValue
            switch read(2, depth: 0) {
            case .success(let value): arguments = value
            case .failure(let problem): return fail("nexus.call(\"\(name)\"): the arguments are not JSON: \(problem.message)")
            }
            switch host.callTool(name, arguments: arguments) {
            case .success(let content):
                pushString(content)
                return 1
            case .failure(let failure):
                if failure.refused, refusal == nil { refusal = failure.message }
                return fail(failure.message)
            }
        case .credential:
            guard let name = string(at: 1) else { return fail("nexus.credential needs a variable name") }
            switch host.credential(name) {
            case .success(let value):
                pushString(value)
                return 1
            case .failure(let failure):
                if failure.refused, refusal == nil { refusal = failure.message }
                return fail(failure.message)
            }
        case .decode:
            guard let text = string(at: 1) else { return fail("nexus.json.decode needs a string") }
            do {
                let value = try JSONValue.parse(text)
                if let problem = push(value, depth: 0) { return fail("nexus.json.decode: the value \(problem)") }
                return 1
            } catch let error as NexusError {
                return fail("nexus.json.decode: \(error.message)")
            } catch {
                return fail("nexus.json.decode: \(error)")
            }
        case .encode:
            switch read(1, depth: 0) {
            case .success(let value):
                pushString(value.jsonText)
                return 1
            case .failure(let problem):
                return fail("nexus.json.encode: \(problem.message)")
            }
        case .log:
            var parts: [String] = []
            for index in 1...max(1, lua_gettop(L)) where lua_gettop(L) >= index {
                parts.append(string(at: index) ?? describe(index))
            }
            if logs.count < Self.maxLogLines {
                let line = parts.joined(separator: "\t")
                logs.append(line.utf8.count <= Self.maxLogLineBytes ? line : String(decoding: Array(line.utf8.prefix(Self.maxLogLineBytes)), as: UTF8.self) + "…")
            }
            return 0
        case .load:
            guard let name = string(at: 1) else { return fail("require needs a module name") }
            switch host.dependency(name) {
            case .success(let dependency):
                guard load(dependency.code, chunkName: "=nexus://\(dependency.id)") else {
                    let message = popMessage()
                    return fail("require(\"\(name)\"): \(message)")
                }
                return 1
            case .failure(let failure):
                if failure.refused, refusal == nil { refusal = failure.message }
                return fail(failure.message)
            }
        case nil:
            return fail("unknown host function \(which)")
        }
    }

    private func fail(_ message: String) -> Int32 {
        pushString(message)
        return -1
    }

    // MARK: - Values

    private struct Problem: Error {
        var message: String
    }

    /// The string at `index`, only when it is a string (numbers are not converted in place).
    private func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = nexus_lua_tolstring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func describe(_ index: Int32) -> String {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return "nil"
        case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0 ? "true" : "false"
        case LUA_TNUMBER: return (try? number(at: index).jsonText) ?? "?"
        default: return "(\(String(cString: lua_typename(L, lua_type(L, index)))))"
        }
    }

    private func number(at index: Int32) throws -> JSONValue {
        if nexus_lua_is_integer_valued(L, index) != 0 {
            return .number(Double(lua_tointegerx(L, index, nil)))
        }
        let value = lua_tonumberx(L, index, nil)
        guard value.isFinite else { throw Problem(message: "the number \(value) has no JSON form") }
        return .number(value)
    }

    private func popMessage() -> String {
        let message = string(at: -1) ?? "error object of type \(String(cString: lua_typename(L, lua_type(L, -1))))"
        nexus_lua_pop(L, 1)
        return message
    }

    private func pushString(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(0)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer in
                _ = lua_pushlstring(L, pointer, bytes.count - 1)
            }
        }
    }

    /// Pushes a JSON value as Lua: objects and arrays as tables (arrays marked so they stay
    /// arrays on the way back), null as `nexus.null`. Returns a problem instead of pushing when
    /// the value is too deep.
    private func push(_ value: JSONValue, depth: Int) -> String? {
        guard depth <= Self.maxDepth, lua_checkstack(L, 4) != 0 else { return "is nested deeper than \(Self.maxDepth) levels" }
        switch value {
        case .null: lua_rawgeti(L, nexus_lua_registry_index(), lua_Integer(nullReference))
        case .bool(let flag): lua_pushboolean(L, flag ? 1 : 0)
        case .number(let number):
            if number == number.rounded(), abs(number) < 9.0e15 {
                lua_pushinteger(L, lua_Integer(number))
            } else {
                lua_pushnumber(L, number)
            }
        case .string(let text): pushString(text)
        case .array(let items):
            lua_createtable(L, Int32(clamping: items.count), 0)
            for (position, item) in items.enumerated() {
                if let problem = push(item, depth: depth + 1) {
                    nexus_lua_pop(L, 1)
                    return problem
                }
                lua_rawseti(L, -2, lua_Integer(position + 1))
            }
            lua_rawgeti(L, nexus_lua_registry_index(), lua_Integer(arrayMetatableReference))
            lua_setmetatable(L, -2)
        case .object(let object):
            lua_createtable(L, 0, Int32(clamping: object.count))
            for (key, member) in object {
                pushString(key)
                if let problem = push(member, depth: depth + 1) {
                    nexus_lua_pop(L, 2)
                    return problem
                }
                lua_rawset(L, -3)
            }
        }
        return nil
    }

    /// Reads the Lua value at `index` as JSON without allocating in the Lua state.
    private func read(_ index: Int32, depth: Int) -> Result<JSONValue, Problem> {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .success(.null)
        case LUA_TBOOLEAN: return .success(.bool(lua_toboolean(L, index) != 0))
        case LUA_TNUMBER: return Result { try number(at: index) }.mapError { $0 as? Problem ?? Problem(message: "\($0)") }
        case LUA_TSTRING: return .success(.string(string(at: index) ?? ""))
        case LUA_TTABLE: return readTable(index, depth: depth)
        default:
            return .failure(Problem(message: "a \(String(cString: lua_typename(L, lua_type(L, index)))) has no JSON form"))
        }
    }

    private func readTable(_ index: Int32, depth: Int) -> Result<JSONValue, Problem> {
        guard depth < Self.maxDepth, lua_checkstack(L, 4) != 0 else {
            return .failure(Problem(message: "tables nest deeper than \(Self.maxDepth) levels (a cycle?)"))
        }
        var markedArray = false
        if lua_getmetatable(L, index) != 0 {
            lua_rawgeti(L, nexus_lua_registry_index(), lua_Integer(arrayMetatableReference))
            markedArray = lua_rawequal(L, -1, -2) != 0
            lua_rawgeti(L, nexus_lua_registry_index(), lua_Integer(nullReference))
            let isNull = lua_rawequal(L, -1, index) != 0
            nexus_lua_pop(L, 3)
            if isNull { return .success(.null) }
        }
        var integerKeys: [Int: JSONValue] = [:]
        var members: [(String, JSONValue)] = []
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            let value: JSONValue
            switch read(-1, depth: depth + 1) {
            case .success(let read): value = read
            case .failure(let problem):
                nexus_lua_pop(L, 2)
                return .failure(problem)
            }
            switch lua_type(L, -2) {
            case LUA_TSTRING:
                members.append((string(at: -2) ?? "", value))
            case LUA_TNUMBER where nexus_lua_is_integer_valued(L, -2) != 0:
                let key = Int(lua_tointegerx(L, -2, nil))
                integerKeys[key] = value
                members.append((String(key), value))
            case LUA_TNUMBER:
                members.append(((try? number(at: -2).jsonText) ?? "?", value))
            default:
                nexus_lua_pop(L, 2)
                return .failure(Problem(message: "a table key of type \(String(cString: lua_typename(L, lua_type(L, -2)))) has no JSON form"))
            }
            nexus_lua_pop(L, 1)
        }
        let isSequence = !integerKeys.isEmpty && integerKeys.count == members.count && (1...integerKeys.count).allSatisfy { integerKeys[$0] != nil }
        if isSequence || (markedArray && members.isEmpty) {
            return .success(.array((0..<integerKeys.count).map { integerKeys[$0 + 1]! }))
        }
        return .success(.object(JSONObject(members.sorted { $0.0 < $1.0 })))
    }
}

/// The C entry point of every host function: finds the session and lets it handle the call.
private let luaHostEntry: nexus_lua_host_function = { state, which, context in
    guard let context, let state else { return -1 }
    let session = Unmanaged<LuaSession>.fromOpaque(context).takeUnretainedValue()
    return session.handle(which, on: state)
}
