import NexusCore
import Testing

@Suite("Rate windows (GCRA)")
struct RateWindowTests {
    @Test("a minute's allowance passes as a burst, the next request waits one interval, and a refusal takes nothing")
    func burstThenSpacing() {
        var window = RateWindow()
        for index in 0..<6 {
            let verdict = window.take(1, limit: 6, now: 100)
            #expect(verdict.allowed)
            #expect(verdict.remaining == 5 - index)
        }
        let refused = window.take(1, limit: 6, now: 100)
        #expect(!refused.allowed)
        #expect(abs(refused.retryAfterSeconds - 10) < 0.001)
        let before = window.theoreticalArrival
        _ = window.take(1, limit: 6, now: 105)
        #expect(window.theoreticalArrival == before)
        #expect(window.take(1, limit: 6, now: 110).allowed)
        #expect(!window.take(1, limit: 6, now: 110).allowed)
    }

    @Test("costs weigh by size; a cost above the whole limit can never pass; a limit of 0 refuses all")
    func weightedCosts() {
        var window = RateWindow()
        #expect(window.take(700, limit: 1000, now: 0).allowed)
        let over = window.take(400, limit: 1000, now: 0)
        #expect(!over.allowed)
        #expect(abs(over.retryAfterSeconds - 6) < 0.001)
        #expect(window.take(400, limit: 1000, now: 6).allowed)
        #expect(window.check(1001, limit: 1000, now: 1000).retryAfterSeconds == .infinity)
        #expect(!RateWindow().check(1, limit: 0, now: 0).allowed)
    }

    @Test("an idle window fills again: after a minute the whole allowance is back")
    func refills() {
        var window = RateWindow()
        for _ in 0..<10 { _ = window.take(1, limit: 10, now: 0) }
        #expect(!window.check(1, limit: 10, now: 0).allowed)
        #expect(window.check(10, limit: 10, now: 60).allowed)
        #expect(window.check(1, limit: 10, now: 60).remaining == 9)
    }
}
