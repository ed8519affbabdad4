import Foundation
import NexusAPI
import NexusCore
import NexusServer
import NexusInference
import Testing

@Suite("Models unload when idle past keep_alive, with one timer per model")
struct ModelPoolExpiryTests {
    private func pool() -> ModelPool {
        ModelPool(maxLoaded: 4) { _ in ScriptedBackend(name: "m", responses: []) }
    }

    @Test("a thousand requests on one model leave one unload timer, not one each")
    func oneTimerPerModel() async throws {
        let pool = pool()
        for _ in 0..<1000 {
            _ = try await pool.acquire("m")
            await pool.release("m", keepAlive: .seconds(600))
        }
        #expect(await pool.expiryTimers == 1)
        #expect(await pool.isLoaded("m"))
        await pool.unload("m")
        #expect(await !pool.isLoaded("m"))
    }

    @Test("an idle model unloads once keep_alive has run out since its last use, not since its first")
    func expiryMovesWithUse() async throws {
        let pool = pool()
        _ = try await pool.acquire("m")
        await pool.release("m", keepAlive: .seconds(2))
        try await Task.sleep(for: .seconds(1.5))
        _ = try await pool.acquire("m")
        await pool.release("m", keepAlive: .seconds(2))
        // Past the first use's expiry, within the second's.
        try await Task.sleep(for: .seconds(1))
        #expect(await pool.isLoaded("m"))
        var unloaded = false
        for _ in 0..<100 where !unloaded {
            try await Task.sleep(for: .milliseconds(100))
            let (loaded, timers) = (await pool.isLoaded("m"), await pool.expiryTimers)
            unloaded = !loaded && timers == 0
        }
        #expect(unloaded)
    }
}
