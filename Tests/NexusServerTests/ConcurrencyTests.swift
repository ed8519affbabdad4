import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusTesting
import Synchronization
import Testing

/// A backend whose generations wait until the test lets them go, to hold slots busy; with
/// `leadingText`, each first streams that text at once.
final class GatedBackend: InferenceBackend, @unchecked Sendable {
    let modelName = "gated"
    private let leadingText: String?
    private let started = Mutex(0)
    private let opened = Mutex(false)

    init(leadingText: String? = nil) {
        self.leadingText = leadingText
    }

    var startedCount: Int { started.withLock { $0 } }

    func open() { opened.withLock { $0 = true } }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        started.withLock { $0 += 1 }
        return AsyncThrowingStream { continuation in
            let task = Task {
                if let text = self.leadingText { continuation.yield(.text(text)) }
                while !self.opened.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
                continuation.yield(.done(GenerationResult(text: "ok", finishReason: .stop, usage: GenerationUsage(promptTokens: 3, completionTokens: 1))))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

@Suite("Concurrency and observability")
struct ConcurrencyTests {
    @Test("when every slot and queue place is taken, the next request gets 503 with Retry-After")
    func overload() async throws {
        let fixture = try ServerFixture(scripts: ["script-g": []], slots: 1, queueLimit: 1)
        let backend = GatedBackend()
        try await fixture.application(loader: { _ in backend }).test(.ahc(.http)) { client in
            let chat = #"{"model":"script-g","messages":[{"role":"user","content":"x"}],"stream":false}"#
            async let first: HTTPResponse.Status = client.post("/api/chat", chat) { $0.status }
            async let second: HTTPResponse.Status = client.post("/api/chat", chat) { $0.status }
            // The client pools connections, so both requests reach the server together.
            for _ in 0..<1500 where backend.startedCount < 2 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(backend.startedCount == 2)
            try await client.post("/v1/chat/completions", chat) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.object["error"]?["code"]?.stringValue == "overloaded")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains("nexus_requests_in_flight 2"))
                #expect(response.text.contains("nexus_queue_depth 1"))
            }
            backend.open()
            #expect(try await first == .ok)
            #expect(try await second == .ok)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains(#"nexus_http_requests_total{route="/api/chat",method="POST",status="200"} 2"#))
                #expect(response.text.contains(#"nexus_http_requests_total{route="/v1/chat/completions",method="POST",status="503"} 1"#))
                #expect(response.text.contains(#"nexus_generated_tokens_total{model="script-g"} 2"#))
            }
        }
        fixture.home.remove()
    }

    @Test("health answers and every response carries a request id")
    func health() async throws {
        let fixture = try ServerFixture()
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-Request-ID")!]?.isEmpty == false)
            }
        }
        fixture.home.remove()
    }

    @Test("a streamed answer's latency is timed to its last byte, not to its head")
    func streamedLatency() async throws {
        let fixture = try ServerFixture(scripts: ["script-g": []])
        let backend = GatedBackend(leadingText: "o")
        try await fixture.application(loader: { _ in backend }).test(.router) { client in
            Task {
                try await Task.sleep(for: .milliseconds(400))
                backend.open()
            }
            try await client.post("/api/chat", #"{"model":"script-g","messages":[{"role":"user","content":"x"}]}"#) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let line = response.text.split(separator: "\n").first { $0.hasPrefix(#"nexus_http_request_duration_seconds_sum{route="/api/chat""#) }
                let seconds = line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
                #expect(seconds >= 0.4, "\(line ?? "no duration for /api/chat")")
            }
        }
        fixture.home.remove()
    }
}

