import Foundation
import NexusCore

/// Runs one Lua session on a thread of its own, away from the cooperative pool, and waits for it
/// without blocking the caller's task. If the session does not come back within a grace period
/// after its deadline (a long C call such as a pathological string pattern), the caller gets a
/// time-limit failure and the thread is left to finish on its own and free its state.
enum LuaThread {
    /// Seconds past the deadline before the caller stops waiting.
    static let grace: Double = 2

    static func run(host: any LuaHost, limits: ModuleLimits, code: String, id: String, input: JSONValue) async -> LuaOutcome {
        let once = ResumeOnce()
        let cancelFlag = CancelFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<LuaOutcome, Never>) in
                once.set(continuation)
                let thread = Thread {
                    guard let session = LuaSession(host: host, limits: limits) else {
                        once.resume(LuaOutcome(result: .failure(LuaFailure(.memoryLimit)), logs: [], instructions: 0, peakMemory: 0))
                        return
                    }
                    cancelFlag.attach(session)
                    let outcome = session.run(code: code, id: id, input: input, seconds: limits.seconds)
                    cancelFlag.detach()
                    once.resume(outcome)
                }
                thread.stackSize = 16 << 20
                thread.name = "nexus-lua"
                thread.start()
                let watchdog = DispatchTime.now() + limits.seconds + grace
                DispatchQueue.global().asyncAfter(deadline: watchdog) {
                    cancelFlag.cancel()
                    once.resume(LuaOutcome(result: .failure(LuaFailure(.timeLimit)), logs: [], instructions: 0, peakMemory: 0))
                }
            }
        } onCancel: {
            cancelFlag.cancel()
        }
    }
}

/// Resumes a continuation once, from whichever side finishes first (the Lua thread or the
/// watchdog); the continuation is set before either starts.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<LuaOutcome, Never>?

    func set(_ continuation: CheckedContinuation<LuaOutcome, Never>) {
        lock.lock()
        defer { lock.unlock() }
        self.continuation = continuation
    }

    func resume(_ outcome: LuaOutcome) {
        lock.lock()
        defer { lock.unlock() }
        continuation?.resume(returning: outcome)
        continuation = nil
    }
}

/// Lets another thread cancel the running session while it exists.
private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var session: LuaSession?
    private var cancelled = false

    func attach(_ session: LuaSession) {
        lock.lock()
        defer { lock.unlock() }
        self.session = session
        if cancelled { session.cancel() }
    }

    func detach() {
        lock.lock()
        defer { lock.unlock() }
        session = nil
    }

    func cancel() {
        lock.lock()
        defer { lock.unlock() }
        cancelled = true
        session?.cancel()
    }
}
