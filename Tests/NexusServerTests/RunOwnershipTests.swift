import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import NexusTesting
import Synchronization
import Testing

/// A backend whose every generation fails, as a remote model server that went away does.
private struct FailingBackend: InferenceBackend {
    let modelName = "failing"

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: NexusError(.backendUnavailable, "the model server at 127.0.0.1:9 refused the connection")) }
    }
}

/// Runs belong to the key that started them.
@Suite("Agent runs belong to their key")
struct RunOwnershipTests {
    @Test("another operator's run is 404 to read, follow and cancel, and missing from its list; the owner and an admin reach it")
    func foreignRunsDoNotExist() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (otherOperator, _) = try fixture.newKey(.operator, name: "other")
        let (viewer, _) = try fixture.newKey(.viewer, name: "viewer")
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        let gate = GatedBackend()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            for outsider in [otherOperator, viewer, [:]] {
                try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: outsider) { response in
                    #expect(response.status == .notFound, "\(outsider)")
                }
                try await client.execute(uri: "/v1/agent/runs", method: .get, headers: outsider) { response in
                    #expect(response.status == .ok)
                    #expect(response.object["data"]?.arrayValue?.isEmpty == true, "\(outsider)")
                }
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: otherOperator) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/agent/runs", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["data"]?.arrayValue?.map { $0["id"]?.stringValue } == [id])
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: fixture.operatorKey) { response in
                #expect(response.status == .accepted)
            }
            gate.open()
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            // Once it has ended (following a live run would wait for its end), its events are the owner's too.
            for outsider in [otherOperator, viewer, [:]] {
                try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: outsider) { response in
                    #expect(response.status == .notFound, "\(outsider)")
                }
            }
        }
        fixture.home.remove()
    }

    @Test("an admin may cancel any run; the run remembers which key owns it")
    func adminCancelsAnyRun() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        let gate = GatedBackend()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: fixture.operatorKey) { response in
                response.object["id"]?.stringValue ?? ""
            }
            #expect(try fixture.storedRun(id)?.ownerKeyID?.hasPrefix("key_") == true)
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: admin) { response in
                #expect(response.status == .accepted)
            }
            gate.open()
            // The stream ends as a replay of the stored run does: `finished`, status cancelled, no error.
            let stream = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: admin) { $0.text }
            let types = stream.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(types.last == "finished" && !types.contains("error"), "\(types)")
            #expect(stream.contains(#""status":"cancelled""#))
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["status"]?.stringValue == "cancelled")
            }
        }
        fixture.home.remove()
    }

    @Test("a cancelled run resumes from its last step: running again, then ended afresh, metered apart; a live or ended run is 409, another key's 404")
    func cancelledRunResumes() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (otherOperator, _) = try fixture.newKey(.operator, name: "other")
        let gate = GatedBackend()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: fixture.operatorKey) { response in
                response.object["id"]?.stringValue ?? ""
            }
            try await client.post("/v1/agent/runs/\(id)/resume", "", headers: fixture.operatorKey) { response in
                #expect(response.status == .conflict)
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: fixture.operatorKey) { _ in }
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            #expect(try fixture.storedRun(id)?.status == .cancelled)
            try await client.post("/v1/agent/runs/\(id)/resume", "", headers: otherOperator) { response in
                #expect(response.status == .notFound)
            }
            gate.open()
            try await client.post("/v1/agent/runs/\(id)/resume", #"{"model":"script-agent","max_steps":2}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .accepted, "\(response.text)")
                // Running again at once (or, with the model this quick, done already): never read as cancelled.
                #expect(["running", "completed"].contains(response.object["status"]?.stringValue ?? ""))
            }
            let stream = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { $0.text }
            #expect(stream.contains(#""resumed":true"#))
            #expect(try fixture.storedRun(id)?.status == .completed)
            // Each stretch is metered once, under its own key (usage is written a moment after it ends).
            var metered = try await UsageStore(database: fixture.database).metered(run: id)
            for _ in 0..<40 where metered.requests < 2 {
                try await Task.sleep(for: .milliseconds(50))
                metered = try await UsageStore(database: fixture.database).metered(run: id)
            }
            #expect(metered.requests == 2)
            #expect(metered.promptTokens == (try fixture.storedRun(id)?.promptTokens ?? -1))
            try await client.post("/v1/agent/runs/\(id)/resume", "", headers: fixture.operatorKey) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/admin/audit?type=run.resumed", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.text.contains("run:\(id)"))
            }
        }
        fixture.home.remove()
    }

    @Test("two keys naming the same workspace get separate folders")
    func workspacesAreSeparatePerKey() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (otherOperator, _) = try fixture.newKey(.operator, name: "other")
        let gate = GatedBackend()
        gate.open()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            var folders: [String] = []
            for key in [fixture.operatorKey, otherOperator] {
                let (id, folder): (String, String) = try await client.post("/v1/agent/runs", #"{"task":"Say done","workspace":"shared"}"#, headers: key) { response in
                    (response.object["id"]?.stringValue ?? "", response.object["workspace"]?.stringValue ?? "")
                }
                folders.append(folder)
                try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: key) { _ in }
            }
            #expect(folders.count == 2 && folders[0] != folders[1])
            #expect(folders.allSatisfy { $0.hasSuffix("/shared") })
        }
        fixture.home.remove()
    }

    @Test("a run whose backend fails ends failed, with the error kept, instead of running for ever")
    func failingBackendEndsTheRun() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        try await fixture.application(loader: { _ in FailingBackend() }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"List the files"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            let types: [String] = try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { response in
                response.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            }
            #expect(types.last == "error")
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["status"]?.stringValue == "failed")
                #expect(response.object["error"]?.stringValue?.contains("refused the connection") == true)
            }
            let stored = try #require(try fixture.storedRun(id))
            #expect(stored.status == .failed)
            #expect(stored.outcome == .failure)
            // A new run can start: the failed one gave its place back.
            try await client.execute(uri: "/v1/agent/runs?status=running", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.object["data"]?.arrayValue?.isEmpty == true)
            }
        }
        fixture.home.remove()
    }
}

/// A model that answers only after a minute, and stops at once when cancelled.
private struct SlowBackend: InferenceBackend {
    let modelName = "slow"

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await Task.sleep(for: .seconds(60))
                    continuation.yield(.done(GenerationResult(text: "late", finishReason: .stop, usage: GenerationUsage(promptTokens: 1, completionTokens: 1))))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

@Suite("Agent runs at a graceful shutdown")
struct RunShutdownTests {
    @Test("a graceful shutdown cancels the runs still going: each is stored cancelled and metered, none is left running")
    func shutdownEndsRuns() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let started = Mutex<String?>(nil)
        try await fixture.application(loader: { _ in SlowBackend() }).test(.live) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            started.withLock { $0 = id }
            #expect(try fixture.storedRun(id)?.status == .running)
        }
        // Leaving `test` shut the application down gracefully.
        let id = try #require(started.withLock { $0 })
        #expect(try fixture.storedRun(id)?.status == .cancelled)
        let metered = try await UsageStore(database: fixture.database).totals(UsageStore.Query(granularity: .day, byKey: false, byModel: false))
        #expect(metered.first?.requests == 1)
        fixture.home.remove()
    }
}
