import Foundation
import NexusCore
import NexusInference
import Testing

/// What reaches the gateway besides streamed generation: the `gateway:PURPOSE` names, embeddings
/// through the `embed` routes, a route that would route to itself, and budgets read back from a
/// journal by the next gateway (a restarted server, the next command).
@Suite(.timeLimit(.minutes(1)))
struct GatewayRoutingTests {
    /// Fixed unit vectors: enough to see which route embedded.
    struct FixedEmbedder: InferenceBackend, EmbeddingBackend {
        var modelName = "vectors"
        func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
            AsyncThrowingStream { $0.finish(throwing: NexusError(.invalidArgument, "embeds only")) }
        }
        func embed(_ texts: [String]) async throws -> EmbeddingResult {
            EmbeddingResult(vectors: texts.map { _ in [1, 0] }, promptTokens: 3 * texts.count)
        }
    }

    /// Calls kept in memory, as the store keeps them.
    final class MemoryJournal: GatewayJournal, @unchecked Sendable {
        private let lock = NSLock()
        private var kept: [GatewayCall] = []
        func record(_ call: GatewayCall) async throws { lock.withLock { kept.append(call) } }
        func calls(since date: Date) async throws -> [GatewayCall] { lock.withLock { kept.filter { $0.at >= date } } }
    }

    static let request = GenerationRequest(prompt: .chat([.user("What is the answer?")]), maxTokens: 16)

    func gateway(_ configuration: GatewayConfiguration, journal: MemoryJournal? = nil) -> Gateway {
        Gateway(configuration: configuration, makeBackend: { reference, _ in
            reference == "vectors" ? FixedEmbedder() as any InferenceBackend : ScriptedBackend(name: reference, responses: Array(repeating: "The answer is 42.", count: 4))
        }, journal: journal)
    }

    @Test func gatewayModelNamesParseAndUnknownPurposesAreRefused() throws {
        #expect(try ModelReference(parsing: "gateway:chat") == .gateway(.chat))
        #expect(try ModelReference(parsing: "Gateway:Agent") == .gateway(.agent))
        #expect(ModelReference.gateway(.embed).description == "gateway:embed")
        let error = #expect(throws: NexusError.self) { try ModelReference(parsing: "gateway:nope") }
        #expect(error?.message.contains("gateway:chat, gateway:agent") == true)
        // No installed model can take a name the gateway answers to.
        #expect(throws: NexusError.self) { try ModelName(validating: "gateway:chat") }
    }

    @Test func embeddingsGoThroughTheEmbedRoutesPastARouteThatCannotEmbed() async throws {
        var configuration = GatewayConfiguration(defaultModel: "words")
        configuration.routes[.embed] = [.init(model: "words"), .init(model: "vectors")]
        let gateway = gateway(configuration)
        // An agent's backend embeds for HOPE: through the embed routes, not the agent's.
        let result = try await gateway.backend(for: .agent, org: "acme").embed(["a", "b"])
        #expect(result.vectors == [[1, 0], [1, 0]])
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.purpose == .embed && call.org == "acme" && call.route == "vectors" && call.promptTokens == 6)
        #expect(call.attempts.map(\.outcome) == ["terminal", "ok"])
        #expect(call.attempts.first?.error?.contains("cannot make embeddings") == true)
    }

    @Test func aRouteThatNamesTheGatewayIsRefusedAndTheNextServes() async throws {
        var configuration = GatewayConfiguration(defaultModel: "unused")
        configuration.tiers["loop"] = "gateway:chat"
        configuration.routes[.chat] = [.init(model: "loop"), .init(model: "plain")]
        let gateway = gateway(configuration)
        let result = try await gateway.backend(for: .chat).complete(Self.request)
        #expect(result.text == "The answer is 42.")
        let call = try #require(await gateway.recentCalls().last)
        #expect(call.attempts.first?.error?.contains("names the gateway itself") == true)
    }

    @Test func aBudgetSpentThroughOneGatewayRefusesTheNextThatSharesItsJournal() async throws {
        var configuration = GatewayConfiguration(defaultModel: "plain")
        configuration.budgets.purposes[.chat] = 5
        configuration.budgets.windowSeconds = 3600
        let journal = MemoryJournal()
        // A call from before the window counts for nothing.
        try await journal.record(GatewayCall(purpose: .chat, org: "default", route: "plain", attempts: [], seconds: 0,
                                             promptTokens: 100, completionTokens: 0, at: Date(timeIntervalSinceNow: -7200)))
        let first = gateway(configuration, journal: journal)
        _ = try await first.backend(for: .chat).complete(Self.request)
        let spent = try #require(await first.status().spending.first { $0.budget == "purpose:chat" })
        #expect(spent.used > 5 && spent.used < 100)

        let next = gateway(configuration, journal: journal)
        let error = await #expect(throws: NexusError.self) { _ = try await next.backend(for: .chat).complete(Self.request) }
        #expect(error?.code == .budgetExceeded)
        #expect(await next.recentCalls().count == 1, "the journal's call of this window is shown again")
        // Another purpose is not charged for chat's tokens.
        _ = try await next.backend(for: .judge).complete(Self.request)
    }
}
