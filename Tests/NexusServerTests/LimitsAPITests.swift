import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusInference
import NexusStore
import Testing

@Suite("Rate limits, quotas and metering over the API")
struct LimitsAPITests {
    private static let chat = #"{"model":"script-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":10}"#
    private static let ollamaChat = #"{"model":"script-chat","messages":[{"role":"user","content":"hi"}],"stream":false,"options":{"num_predict":10}}"#

    @Test("a key over its requests per minute gets 429 in each API's shape, with Retry-After and the rate-limit headers; other keys go on")
    func requestsPerMinute() async throws {
        let fixture = try ServerFixture(scripts: ["script-chat": Array(repeating: "ok", count: 10)])
        let (limited, record) = try fixture.newKey(.operator, name: "limited")
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/limits/key:\(record.id)/requests_per_minute", method: .put, headers: fixture.ownerKey,
                                     body: ByteBuffer(string: #"{"value": 2}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/limits/key:\(record.id)/requests_per_minute", method: .put, headers: fixture.operatorKey,
                                     body: ByteBuffer(string: #"{"value": 1000}"#)) { response in
                #expect(response.status == .forbidden)
            }
            for remaining in ["1", "0"] {
                try await client.post("/v1/chat/completions", Self.chat, headers: limited) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.init("x-ratelimit-limit-requests")!] == "2")
                    #expect(response.headers[.init("x-ratelimit-remaining-requests")!] == remaining)
                }
            }
            try await client.post("/v1/chat/completions", Self.chat, headers: limited) { response in
                #expect(response.status == .tooManyRequests)
                let error = response.object["error"]
                #expect(error?["type"]?.stringValue == "requests")
                #expect(error?["code"]?.stringValue == "rate_limit_exceeded")
                #expect(error?["message"]?.stringValue?.contains("requests_per_minute") == true)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
            try await client.post("/api/chat", Self.ollamaChat, headers: limited) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.object["error"]?.stringValue?.contains("per minute") == true)
            }
            try await client.post("/v1/chat/completions", Self.chat, headers: fixture.operatorKey) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == nil)
            }
            try await client.execute(uri: "/admin/limits", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.object["data"]?.arrayValue?.first?["subject"]?.stringValue == "key:\(record.id)")
            }
            try await client.execute(uri: "/admin/limits/key:\(record.id)/requests_per_minute", method: .delete, headers: fixture.ownerKey) { response in
                #expect(response.status == .ok)
            }
            try await client.post("/v1/chat/completions", Self.chat, headers: limited) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/admin/limits/key:\(record.id)/requests_per_week", method: .put, headers: fixture.ownerKey,
                                     body: ByteBuffer(string: #"{"value": 2}"#)) { response in
                #expect(response.status == .badRequest)
            }
        }
        let changes = try await fixture.audit.events(AuditQuery(type: "limit."))
        #expect(changes.map(\.type) == ["limit.removed", "limit.set"])
    }

    @Test("50 requests at once against a token quota: the settled total stays within the cap, the rest get insufficient_quota, and usage is reported")
    func quotaUnderConcurrency() async throws {
        // Each answer is 10 words (the script counts a word as a token) to a one-word prompt.
        let answer = "one two three four five six seven eight nine ten"
        let fixture = try ServerFixture(scripts: ["script-chat": Array(repeating: answer, count: 60)], slots: 4, queueLimit: 64)
        let (limited, record) = try fixture.newKey(.operator, name: "quota")
        let cap = 300
        try await UsageStore(database: fixture.database).set(UsageLimit(subject: .key(record.id), name: .tokensPerDay, value: cap, soft: 100))
        try await fixture.application().test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await client.post("/v1/chat/completions", Self.chat, headers: limited) { response in
                            (Int(response.status.code), response.object["error"]?["code"]?.stringValue)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let passed = statuses.filter { $0.0 == 200 }.count
            let refused = statuses.filter { $0.0 == 429 }
            #expect(passed + refused.count == 50)
            #expect(refused.allSatisfy { $0.1 == "insufficient_quota" })
            #expect(passed > 0 && passed * 11 <= cap)
            // Metering is written off the request's path; it lands within moments.
            var settled: JSONValue?
            for _ in 0..<50 {
                settled = try await client.execute(uri: "/admin/usage?period=day&key_id=\(record.id)", method: .get, headers: fixture.ownerKey) { response in
                    response.object["data"]?.arrayValue?.first
                }
                if settled?["requests"]?.numberValue.map { Int($0) } == passed { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(settled?["requests"]?.numberValue.map { Int($0) } == passed)
            #expect(settled?["total_tokens"]?.numberValue.map { Int($0) } == passed * 11)
            #expect((settled?["total_tokens"]?.numberValue.map { Int($0) } ?? Int.max) <= cap)
            #expect(settled?["run_units"]?.numberValue.map { Int($0) } == passed)
            try await client.execute(uri: "/metrics", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.text.contains(#"nexus_limit_events_total{limit="tokens_per_day",outcome="refused"}"#))
                #expect(response.text.contains(#"nexus_limit_events_total{limit="tokens_per_day",outcome="warned"} 1"#))
                #expect(response.text.contains("nexus_run_units_total"))
            }
            // Each key's usage is every org's bill: a viewer's scrape has the server's series only.
            let (viewer, _) = try fixture.newKey(.viewer, name: "scraper")
            try await client.execute(uri: "/metrics", method: .get, headers: viewer) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("nexus_limit_events_total"))
                #expect(!response.text.contains("key_id="))
            }
        }
        let audited = try await fixture.audit.events(AuditQuery(type: "quota."))
        #expect(Set(audited.map(\.type)) == ["quota.refused", "quota.soft_exceeded"])
    }

    @Test("a real model's request reserves its prompt as the model counts it plus max_tokens, and is settled at what it used")
    func realModelReservation() async throws {
        let fixture = try ServerFixture()
        let (limited, record) = try fixture.newKey(.operator, name: "tpm")
        try await UsageStore(database: fixture.database).set(UsageLimit(subject: .key(record.id), name: .tokensPerMinute, value: 100_000))
        try await fixture.application().test(.router) { client in
            let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Name a colour."}],"max_tokens":7,"temperature":0}"#
            try await client.post("/v1/chat/completions", body, headers: limited) { response in
                #expect(response.status == .ok)
                let prompt = response.object["usage"]?["prompt_tokens"]?.numberValue.map { Int($0) } ?? 0
                #expect(prompt > 5)
                #expect(response.headers[.init("x-ratelimit-remaining-tokens")!] == String(100_000 - prompt - 7))
            }
        }
    }

    @Test("an agent run is metered when it ends: its tokens, its tool calls and its run units")
    func runsAreMetered() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": [
            #"<tool_call>{"name": "filesystem_write", "arguments": {"path": "a.txt", "content": "hi"}}</tool_call>"#,
            "I wrote a.txt.",
        ]])
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Write hi into a.txt","max_steps":4}"#, headers: fixture.operatorKey) { response in
                response.object["id"]?.stringValue ?? ""
            }
            _ = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { $0.text }
            let row = try await Self.meteredTotal(client, fixture)
            #expect(row?["requests"]?.numberValue.map { Int($0) } == 1)
            #expect(row?["tool_calls"]?.numberValue.map { Int($0) } == 1)
            #expect(row?["run_units"]?.numberValue.map { Int($0) } == 2)
            #expect((row?["total_tokens"]?.numberValue.map { Int($0) } ?? 0) > 0)
            try await client.execute(uri: "/admin/usage?period=week", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    /// The usage report added up over keys and models, once the recorder has written it (it
    /// writes in batches a moment after a run ends); nil if nothing came within five seconds.
    private static func meteredTotal(_ client: some TestClientProtocol, _ fixture: ServerFixture) async throws -> JSONValue? {
        for _ in 0..<50 {
            let row = try await client.execute(uri: "/admin/usage?group_by=none", method: .get, headers: fixture.ownerKey) { response in
                response.object["data"]?.arrayValue?.first
            }
            if row != nil { return row }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test("an agent run reserves each turn's prompt before the model reads it: a run that would pass a hard token quota stops there")
    func runPromptsAreReserved() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (limited, record) = try fixture.newKey(.operator, name: "limited")
        let call = #"<tool_call>{"name": "filesystem_list", "arguments": {"path": "."}}</tool_call>"#
        let backend = FixedPromptBackend(script: ScriptedBackend(name: "script-agent", responses: [call, call, call, call, "Done."]), promptTokens: 400)
        try await UsageStore(database: fixture.database).set(UsageLimit(subject: .key(record.id), name: .tokensPerDay, value: 1000))
        try await fixture.application(loader: { _ in backend }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"List the files here again and again","max_steps":6,"max_tokens":100}"#,
                                                   headers: limited) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            _ = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: limited) { $0.text }
            let run = try #require(try fixture.storedRun(id))
            // 100 reserved for its answers, then 400 per prompt: the third prompt would pass 1000.
            #expect(run.status == .failed && run.failure?.contains("tokens_per_day") == true, "\(run.status) \(run.failure ?? "")")
            #expect(try RunStore(database: fixture.database).steps(runID: id).filter { $0.tool != nil }.count == 2)
        }
        fixture.home.remove()
    }

    @Test("a run on gateway:agent, whose model cannot count tokens, reserves each prompt's upper bound: a quota it would pass stops it")
    func gatewayRunPromptsAreReserved() async throws {
        let call = #"<tool_call>{"name": "filesystem_list", "arguments": {"path": "."}}</tool_call>"#
        let fixture = try ServerFixture(scripts: ["script-agent": [call, call, call, "Done."]])
        try #"{"routes": {"agent": [{"model": "script-agent"}]}}"#
            .write(to: fixture.home.url.appendingPathComponent("gateway.json"), atomically: true, encoding: .utf8)
        let (limited, record) = try fixture.newKey(.operator, name: "limited")
        // Below the bytes of the first prompt (the system prompt and the tools' schemas).
        try await UsageStore(database: fixture.database).set(UsageLimit(subject: .key(record.id), name: .tokensPerDay, value: 500))
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"List the files here","model":"gateway:agent","max_steps":4,"max_tokens":100}"#,
                                                   headers: limited) { response in
                #expect(response.status == .created, "\(response.text)")
                return response.object["id"]?.stringValue ?? ""
            }
            _ = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: limited) { $0.text }
            let run = try #require(try fixture.storedRun(id))
            #expect(run.status == .failed && run.failure?.contains("tokens_per_day") == true, "\(run.status) \(run.failure ?? "")")
            #expect(try RunStore(database: fixture.database).steps(runID: id).filter { $0.tool != nil }.isEmpty)
        }
        fixture.home.remove()
    }

    @Test("the CPU time of a run's sandboxed commands is metered with it, per step and in the usage report")
    func sandboxCPUIsMetered() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": [
            #"<tool_call>{"name": "python_execute", "arguments": {"code": "print(sum(range(10**7)))"}}</tool_call>"#,
            "The sum is 49999995000000.",
        ]])
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Compute the sum of the numbers below ten million with Python","max_steps":4}"#,
                                                   headers: fixture.operatorKey) { response in
                response.object["id"]?.stringValue ?? ""
            }
            _ = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { $0.text }
            let steps = try RunStore(database: fixture.database).steps(runID: id)
            let measured = steps.reduce(0) { $0 + $1.sandboxCPUSeconds }
            #expect(steps.contains { $0.tool == "python_execute" && $0.status == "ok" } && measured > 0.05, "\(steps.map { ($0.tool, $0.status) })")
            let row = try await Self.meteredTotal(client, fixture)
            let reported = row?["sandbox_cpu_seconds"]?.numberValue ?? 0
            #expect(abs(reported - measured) < 0.002, "\(reported) reported, \(measured) measured")
        }
        fixture.home.remove()
    }
}

/// A scripted model whose every prompt counts `promptTokens`, as a real model's would be counted.
private struct FixedPromptBackend: InferenceBackend, PromptMeasuring {
    let script: ScriptedBackend
    let promptTokens: Int
    var modelName: String { script.modelName }
    var contextTokens: Int { get async { 4096 } }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> { script.generate(request) }
    func promptTokenCount(_ request: GenerationRequest) async throws -> Int { promptTokens }
}
