import Foundation
import NexusCore
import NexusStore
import Testing

@Suite("Usage metering and limits in the store")
struct UsageStoreTests {
    @Test("an event is counted once by its idempotency key, and rolled up by minute, hour and day, key and model")
    func rollups() async throws {
        let store = UsageStore(database: try NexusDatabase.inMemory())
        let noon = try Date("2026-12-06T12:00:30Z", strategy: .iso8601)
        let events = [
            UsageEvent(idempotencyKey: "req:1", time: noon, keyID: "key_a", model: "m1", kind: .request, promptTokens: 10, completionTokens: 5, runUnits: 1),
            UsageEvent(idempotencyKey: "req:2", time: noon.addingTimeInterval(90), keyID: "key_a", model: "m1", kind: .request, promptTokens: 20, runUnits: 1),
            UsageEvent(idempotencyKey: "run:3", time: noon, keyID: "key_b", model: "m2", kind: .run, promptTokens: 100, completionTokens: 50,
                       toolCalls: 4, runUnits: 4),
        ]
        #expect(try await store.record(events) == 3)
        #expect(try await store.record([events[0]]) == 0)
        let byDay = try await store.totals(.init(granularity: .day))
        #expect(byDay.count == 2)
        #expect(byDay.first { $0.keyID == "key_a" }.map { [$0.requests, $0.promptTokens, $0.completionTokens] } == [2, 30, 5])
        let byMinute = try await store.totals(.init(granularity: .minute, keyID: "key_a"))
        #expect(byMinute.map(\.requests) == [1, 1])
        let all = try await store.totals(.init(granularity: .hour, byKey: false, byModel: false))
        #expect(all.count == 1 && all[0].toolCalls == 4 && all[0].runUnits == 6 && all[0].keyID == nil)
        #expect(try await store.used(by: .key("key_a"), .tokens, in: .day, at: noon) == 35)
        #expect(try await store.used(by: .org("default"), .runUnits, in: .month, at: noon) == 6)
        #expect(try await store.used(by: .key("key_a"), .tokens, in: .day, at: noon.addingTimeInterval(86_400)) == 0)
    }

    @Test("limits are set, replaced and removed; a soft value only on quotas and never above the hard one")
    func limits() async throws {
        let store = UsageStore(database: try NexusDatabase.inMemory())
        try await store.set(UsageLimit(subject: .key("key_a"), name: .tokensPerDay, value: 1000, soft: 800))
        try await store.set(UsageLimit(subject: .key("key_a"), name: .tokensPerDay, value: 2000))
        try await store.set(UsageLimit(subject: .org("default"), name: .requestsPerMinute, value: 60))
        let limits = try await store.limits()
        #expect(limits.count == 2)
        #expect(limits.first { $0.subject == .key("key_a") }.map { [$0.value, $0.soft ?? -1] } == [2000, -1])
        await #expect(throws: NexusError.self) { try await store.set(UsageLimit(subject: .org("default"), name: .requestsPerMinute, value: 60, soft: 30)) }
        await #expect(throws: NexusError.self) { try await store.set(UsageLimit(subject: .org("default"), name: .tokensPerDay, value: 60, soft: 90)) }
        #expect(try await store.remove(.key("key_a"), .tokensPerDay))
        #expect(try await !store.remove(.key("key_a"), .tokensPerDay))
        #expect(throws: NexusError.self) { try LimitSubject(validating: "team:x") }
        #expect(throws: NexusError.self) { try UsageLimitName(validating: "tokens_per_week") }
    }
}
