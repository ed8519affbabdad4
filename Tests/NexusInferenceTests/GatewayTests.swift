import Foundation
import NexusCore
import NexusInference
import Testing

/// The gateway against a real HTTP server that fails on purpose (``FaultServerFixture``): retries
/// with backoff for retryable failures only, fallback, cool-down, a stream cut mid-answer, budgets.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct GatewayTests {
    let server: FaultServerFixture
    init() throws { server = try FaultServerFixture() }

    /// The waits the gateway asked for, taken at once, and a clock the test can move.
    final class Waits: @unchecked Sendable {
        private let lock = NSLock()
        private var seconds: [Double] = []
        private var offset = 0.0
        var list: [Double] { lock.withLock { seconds } }

        var clock: GatewayClock {
            GatewayClock(
                now: { GatewayClock.system.now() + self.lock.withLock { self.offset } },
                sleep: { wait in
                    // The attempt's time limit is a real wait; backoffs are recorded and skipped.
                    if wait >= 0.25 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) } else { self.lock.withLock { self.seconds.append(wait) } }
                },
                random: { 0.5 })
        }

        func advance(_ seconds: Double) { lock.withLock { offset += seconds } }
    }

    func gateway(_ routes: [GatewayConfiguration.Route], configure: (inout GatewayConfiguration) -> Void = { _ in },
                 waits: Waits = Waits()) -> Gateway {
        var configuration = GatewayConfiguration(defaultModel: "unused")
        configuration.routes[.build] = routes
        configuration.retry.baseDelaySeconds = 0.01
        configure(&configuration)
        return Gateway(configuration: configuration, makeBackend: { reference, key in
            guard case .openAI(let url, let model) = try ModelReference(parsing: reference) else {
                throw NexusError(.invalidArgument, "test routes are openai: references")
            }
            return OpenAIBackend(baseURL: url, model: model, apiKey: key)
        }, clock: waits.clock)
    }

    func route(_ model: String, timeout: Double = 600) -> GatewayConfiguration.Route {
        .init(model: server.reference(model), timeoutSeconds: timeout)
    }

    static let request = GenerationRequest(prompt: .chat([.user("What is the answer?")]), maxTokens: 16)

    /// Every text piece and the result of one call.
    func collect(_ backend: GatewayBackend) async throws -> (pieces: [String], result: GenerationResult) {
        var pieces: [String] = []
        for try await event in backend.generate(Self.request) {
            switch event {
            case .text(let piece): pieces.append(piece)
            case .done(let result): return (pieces, result)
            }
        }
        throw NexusError(.inferenceFailed, "no result")
    }

    @Test func a429IsRetriedWithBackoffThenFallsBackToTheNextRoute() async throws {
        let waits = Waits()
        let gateway = gateway([route("status-429"), route("ok")], waits: waits)
        let (_, result) = try await collect(gateway.backend(for: .build))
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.map(\.outcome) == ["retryable", "retryable", "ok"])
        #expect(call.route == server.reference("ok"))
        #expect(call.promptTokens == 12 && call.completionTokens == 8)
        // Full jitter at 0.5 over base 0.01 s: one wait between the two tries of the first route.
        #expect(waits.list == [0.005])
    }

    @Test func a500IsRetriedOnTheSameRouteAndSucceeds() async throws {
        let gateway = gateway([route("flaky-1")])
        let (_, result) = try await collect(gateway.backend(for: .build))
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.map(\.outcome) == ["retryable", "ok"])
    }

    @Test func a400IsNotRetriedButTheNextRouteServes() async throws {
        let waits = Waits()
        let gateway = gateway([route("status-400"), route("ok")], waits: waits)
        let (_, result) = try await collect(gateway.backend(for: .build))
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.map(\.outcome) == ["terminal", "ok"])
        #expect(waits.list.isEmpty)
    }

    @Test func aRouteThatTimesOutFallsBack() async throws {
        let gateway = gateway([route("slow", timeout: 0.5), route("ok")]) { $0.retry.attempts = 1 }
        let (_, result) = try await collect(gateway.backend(for: .build))
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.first?.outcome == "retryable")
        #expect(call.attempts.first?.error?.contains("no complete answer within 0.5 s") == true)
    }

    @Test func aStreamCutMidAnswerContinuesOnTheFallbackWithoutRepeatingText() async throws {
        let gateway = gateway([route("cut"), route("ok")]) { $0.retry.attempts = 1 }
        let (pieces, result) = try await collect(gateway.backend(for: .build))
        // The caller saw "The answer is" once, then only what the fallback added.
        #expect(pieces.joined() == "The answer is 42.")
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.map(\.outcome) == ["retryable", "ok"])
        #expect(call.attempts.first?.error?.contains("ended before the answer did") == true)
    }

    @Test func aFallbackThatContradictsStreamedTextFailsInsteadOfAnsweringTruncated() async throws {
        let gateway = gateway([route("cut"), route("other")]) { $0.retry.attempts = 1 }
        await #expect(throws: NexusError.self) { _ = try await collect(gateway.backend(for: .build)) }
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.route == nil)
        #expect(call.attempts.last?.error?.contains("answered differently") == true)
    }

    @Test func everyRouteFailingSaysWhatEachDid() async throws {
        let gateway = gateway([route("status-500"), route("status-429")])
        do {
            _ = try await collect(gateway.backend(for: .build))
            Issue.record("expected a failure")
        } catch let error as NexusError {
            #expect(error.code == .backendUnavailable)
            #expect(error.message.contains("after 4 attempts"))
            #expect(error.message.contains("500") && error.message.contains("429"))
        }
    }

    @Test func aRouteThatKeepsFailingCoolsDownAndIsTriedLast() async throws {
        let waits = Waits()
        let gateway = gateway([route("status-500"), route("ok")], configure: {
            $0.retry.attempts = 1
            $0.cooldown.failures = 2
            $0.cooldown.seconds = 30
        }, waits: waits)
        for _ in 1...2 { _ = try await collect(gateway.backend(for: .build)) }
        #expect(await gateway.status().coolingDown[server.reference("status-500")] != nil)
        _ = try await collect(gateway.backend(for: .build))
        #expect(await gateway.recentCalls().last?.attempts.map(\.outcome) == ["ok"])
        waits.advance(31)
        _ = try await collect(gateway.backend(for: .build))
        #expect(await gateway.recentCalls().last?.attempts.map(\.outcome) == ["retryable", "ok"])
    }

    @Test func aSpentBudgetRefusesTheCallBeforeAnyBackendIsAsked() async throws {
        let gateway = gateway([route("ok")]) { $0.budgets.purposes[.build] = 15; $0.budgets.orgs["acme"] = 1000 }
        _ = try await collect(gateway.backend(for: .build, org: "acme"))
        do {
            _ = try await collect(gateway.backend(for: .build, org: "acme"))
            Issue.record("expected the budget to refuse")
        } catch let error as NexusError {
            #expect(error.code == .budgetExceeded)
            #expect(error.message.contains("purpose:build budget of 15 tokens is spent (20 used)"))
        }
        #expect(await gateway.recentCalls().count == 1)
        let spending = await gateway.status().spending
        #expect(spending.contains { $0.budget == "org:acme" && $0.used == 20 && $0.limit == 1000 })
    }

    @Test func aSingleRouteKeepsItsOwnError() async throws {
        let gateway = gateway([route("status-400")])
        do {
            _ = try await collect(gateway.backend(for: .build))
            Issue.record("expected a failure")
        } catch let error as NexusError {
            #expect(error.code == .backendError)
            #expect(error.upstreamStatus == 400)
        }
    }

    @Test func theConfigurationFileReadsTiersAndRefusesTypos() throws {
        let json = try JSONValue.parse("""
            {"tiers": {"heavy": "openai:http://127.0.0.1:1/v1#big"},
             "routes": {"build": [{"model": "heavy", "credential": "K", "timeout_seconds": 5}, {"model": "small"}],
                        "default": [{"model": "small"}]},
             "retry": {"attempts": 3, "base_delay_ms": 100}, "budgets": {"purposes": {"repair": 10}}}
            """)
        let configuration = try GatewayConfiguration(json: json, defaultModel: "unused")
        #expect(configuration.routes(for: .build).map(\.model) == ["openai:http://127.0.0.1:1/v1#big", "small"])
        #expect(configuration.routes(for: .build).first?.credential == "K")
        #expect(configuration.routes(for: .chat).map(\.model) == ["small"])
        #expect(configuration.retry.attempts == 3 && configuration.retry.baseDelaySeconds == 0.1)
        #expect(configuration.budgets.purposes[.repair] == 10)
        for bad in [#"{"route": {}}"#, #"{"routes": {"bild": [{"model": "x"}]}}"#, #"{"routes": {"build": []}}"#,
                    #"{"retry": {"attempts": 0}}"#, #"{"routes": {"build": [{"model": "x", "timeout": 3}]}}"#] {
            #expect(throws: NexusError.self) { try GatewayConfiguration(json: JSONValue.parse(bad), defaultModel: "m") }
        }
        #expect(GatewayConfiguration(defaultModel: "m").routes(for: .judge).map(\.model) == ["m"])
    }

    @Test func backoffIsExponentialWithFullJitterAndCapped() {
        var retry = GatewayConfiguration.Retry()
        retry.baseDelaySeconds = 0.2
        retry.maxDelaySeconds = 1
        #expect(retry.delay(after: 1, random: 1) == 0.2)
        #expect(retry.delay(after: 2, random: 1) == 0.4)
        #expect(retry.delay(after: 5, random: 1) == 1)
        #expect(retry.delay(after: 3, random: 0.5) == 0.4)
    }
}
