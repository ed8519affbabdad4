public import NexusCore

/// How one sandboxed module call ended, with what it used.
public struct LuaOutcome: Sendable {
    /// Why a call did not return a value.
    public enum Failure: Sendable, Hashable {
        /// The code raised an error (or the module is malformed).
        case error(String)
        /// The instruction budget ran out.
        case instructionBudget
        /// The memory cap was reached.
        case memoryLimit
        /// The wall-clock limit passed.
        case timeLimit
        /// The caller cancelled the call.
        case cancelled
        /// The code tried to reach something it did not declare or the policy does not allow.
        case refused(String)
        /// `run` returned something that is not JSON (a function, a cycle, NaN, ...).
        case badResult(String)
        /// The worker process running the call ended without a result (a crash of the Lua
        /// interpreter, an escaped limit the process rlimits caught); the host is unaffected.
        case crashed(String)
    }

    /// The output, or why there is none.
    public var result: Result<JSONValue, LuaFailure>
    /// Lines written with `print` or `nexus.log`.
    public var logs: [String]
    /// VM instructions executed (counted in steps of 1,000).
    public var instructions: Int
    /// The most bytes the Lua state held.
    public var peakMemory: Int

    public init(result: Result<JSONValue, LuaFailure>, logs: [String] = [], instructions: Int = 0, peakMemory: Int = 0) {
        self.result = result
        self.logs = logs
        self.instructions = instructions
        self.peakMemory = peakMemory
    }
}

/// A failed module call: the kind of failure and a one-line description.
public struct LuaFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var failure: LuaOutcome.Failure

    public init(_ failure: LuaOutcome.Failure) {
        self.failure = failure
    }

    public var description: String {
        switch failure {
        case .error(let message): message
        case .instructionBudget: "stopped: the instruction budget ran out (an endless loop, or raise limits.instructions)"
        case .memoryLimit: "stopped: the memory limit was reached (unbounded allocation, or raise limits.memory_mb)"
        case .timeLimit: "stopped: the wall-clock time limit passed (raise limits.seconds if the work is legitimate)"
        case .cancelled: "cancelled"
        case .refused(let message): "refused: \(message)"
        case .badResult(let message): "run returned a value that is not JSON: \(message)"
        case .crashed(let message): "stopped: \(message)"
        }
    }
}
