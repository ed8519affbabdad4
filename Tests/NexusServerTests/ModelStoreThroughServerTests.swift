import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusInference
import NexusServer
import NexusStore
import NexusTesting
import Synchronization
import Testing

/// The model store through the server: create, copy, pull and blob uploads never change another
/// model, never make a name a loader would read as a script, and never tell what files exist.
@Suite struct ModelStoreThroughServerTests {
    private static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    private func system(of model: String, _ client: some TestClientProtocol, _ fixture: ServerFixture) async throws -> String? {
        try await client.post("/api/show", #"{"model":"\#(model)"}"#, headers: fixture.ownerKey) { $0.object["system"]?.stringValue }
    }

    @Test func copyAndCreateDoNotReplaceAnExistingModel() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        try await fixture.application().test(.router) { client in
            try await client.post("/api/create", #"{"model":"a:b","from":"smollm2","system":"the owner's prompt","stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .ok)
            }
            // Same name, a spelling of it, and the name that once shared its manifest file.
            for attempt in [#"{"model":"a:b","from":"smollm2","system":"injected","stream":false}"#,
                            #"{"model":"A:B","from":"smollm2","system":"injected","stream":false}"#] {
                try await client.post("/api/create", attempt, headers: fixture.ownerKey) { response in
                    #expect(response.status == .conflict)
                    #expect(response.object["error"]?.stringValue?.contains("\"replace\": true") == true)
                }
            }
            try await client.post("/api/copy", #"{"source":"smollm2","destination":"a:b"}"#, headers: fixture.ownerKey) {
                #expect($0.status == .conflict)
            }
            try await client.post("/api/create", #"{"model":"a_b","from":"smollm2","system":"injected","stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .ok)
            }
            #expect(try await system(of: "a:b", client, fixture) == "the owner's prompt")
            // Asked for explicitly, a replacement goes through.
            try await client.post("/api/create", #"{"model":"a:b","from":"smollm2","system":"new prompt","replace":true,"stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .ok)
            }
            #expect(try await system(of: "a:b", client, fixture) == "new prompt")
        }
    }

    @Test("every change to the model store is an audit event of the key that made it; a refused one is none")
    func modelChangesAreAudited() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        let (admin, adminRecord) = try fixture.newKey(.admin, name: "models")
        try await fixture.application().test(.router) { client in
            try await client.post("/api/create", #"{"model":"tuned","from":"smollm2","system":"be brief","stream":false}"#, headers: admin) {
                #expect($0.status == .ok)
            }
            try await client.post("/api/copy", #"{"source":"tuned","destination":"tuned-copy"}"#, headers: admin) { #expect($0.status == .ok) }
            try await client.post("/api/copy", #"{"source":"tuned","destination":"tuned-copy"}"#, headers: admin) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/delete", method: .delete, headers: admin, body: ByteBuffer(string: #"{"model":"tuned-copy"}"#)) {
                #expect($0.status == .ok)
            }
        }
        let events = try await fixture.audit.events(AuditQuery(type: "model.")).reversed()
        #expect(events.map(\.type) == ["model.created", "model.copied", "model.deleted"])
        #expect(events.map(\.resource) == ["model:tuned", "model:tuned-copy", "model:tuned-copy"])
        #expect(events.allSatisfy { $0.actor.keyID == adminRecord.id })
    }

    @Test func aStoreNameIsNeverLoadedAsAScript() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        let loaded = Mutex<[String]>([])
        let app = fixture.application { name in
            loaded.withLock { $0.append(name) }
            throw NexusError(.modelLoadFailed, "not in this test")
        }
        try await app.test(.router) { client in
            for destination in ["script:x.json", "SCRIPT:x.json", "openai:http://127.0.0.1:1/v1#m", "x.gguf", "../x"] {
                try await client.post("/api/copy", #"{"source":"smollm2","destination":"\#(destination)"}"#, headers: fixture.ownerKey) { response in
                    #expect(response.status == .badRequest, "copy to \(destination)")
                    #expect(response.object["error"]?.stringValue?.contains("not a usable model name") == true)
                }
            }
            try await client.post("/api/generate", #"{"model":"script:x.json","prompt":"hi","stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .notFound)
            }
        }
        #expect(loaded.withLock { $0 }.isEmpty)
    }

    @Test func createFromAPathRevealsNothingAboutFilesOutsideTheImportFolder() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        let outside = fixture.home.url.appendingPathComponent("outside.gguf")
        try TinyGGUF.write(named: "outside", to: outside)
        let importFolder = fixture.configuration.modelImportDirectory
        try FileManager.default.createDirectory(at: importFolder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: importFolder.appendingPathComponent("link.gguf").path, withDestinationPath: outside.path)
        try await fixture.application().test(.router) { client in
            var answers: Set<String> = []
            let probes = [outside.path, outside.path + ".missing", "/etc/passwd", "/etc", "/nonexistent/dir/x.gguf",
                          importFolder.path + "/../outside.gguf", "link.gguf", "missing.gguf", importFolder.path + "/missing.gguf"]
            for probe in probes {
                try await client.post("/api/create", #"{"model":"probe","from":"\#(probe)","stream":false}"#, headers: fixture.ownerKey) { response in
                    #expect(response.status == .badRequest, "from \(probe)")
                    let message = response.object["error"]?.stringValue ?? ""
                    answers.insert("\(response.status.code) " + message.replacingOccurrences(of: "'\(probe)'", with: "PATH"))
                }
            }
            #expect(answers.count == 1, "the answers differ by the file: \(answers)")
            // A GGUF file inside the folder is accepted, by absolute or relative path.
            try TinyGGUF.write(named: "inside", to: importFolder.appendingPathComponent("inside.gguf"))
            try await client.post("/api/create", #"{"model":"inside","from":"inside.gguf","stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func anUploadedBlobBecomesAModelAndAWrongDigestIsRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        let bytes = TinyGGUF.bytes(named: "uploaded")
        let digest = Self.sha256(bytes)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/blobs/sha256:\(digest)", method: .head, headers: fixture.ownerKey) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/blobs/sha256:\(String(repeating: "0", count: 64))", method: .post, headers: fixture.ownerKey,
                                     body: ByteBuffer(bytes: Array(bytes))) { response in
                #expect(response.status == .badRequest)
                #expect(response.object["error"]?.stringValue?.contains("not 0000") == true)
            }
            // Not a GGUF file, with its right digest: the sender's fault, and nothing is kept.
            let text = Data("not a model".utf8)
            try await client.execute(uri: "/api/blobs/sha256:\(Self.sha256(text))", method: .post, headers: fixture.ownerKey,
                                     body: ByteBuffer(bytes: Array(text))) { response in
                #expect(response.status == .badRequest)
                #expect(response.object["error"]?.stringValue?.contains("not a usable GGUF model") == true)
                #expect(response.object["error"]?.stringValue?.contains(fixture.home.url.path) == false)
            }
            try await client.execute(uri: "/api/blobs/sha256:\(digest)", method: .post, headers: fixture.ownerKey, body: ByteBuffer(bytes: Array(bytes))) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/api/blobs/sha256:\(digest)", method: .head, headers: fixture.ownerKey) { #expect($0.status == .ok) }
            try await client.post("/api/create", #"{"model":"uploaded","files":{"model.gguf":"sha256:\#(digest)"},"stream":false}"#, headers: fixture.ownerKey) {
                #expect($0.status == .ok)
            }
            try await client.post("/api/show", #"{"model":"uploaded"}"#, headers: fixture.ownerKey) { #expect($0.status == .ok) }
        }
        let entry = try ModelStore(home: fixture.home.url).entry(named: "uploaded")
        #expect(entry.sha256 == digest)
        #expect(Self.sha256(try Data(contentsOf: URL(fileURLWithPath: entry.path))) == digest)
    }

    @Test func aPullNeverChangesTheWeightsOfAnotherModel() async throws {
        let fixture = try ServerFixture()
        defer { fixture.home.remove() }
        let first = TinyGGUF.bytes(named: "first")
        let second = TinyGGUF.bytes(named: "second")
        let files = Router()
        files.get("/first.gguf") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Array(first)))) }
        files.get("/second.gguf") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Array(second)))) }
        let fileServer = Application(router: files, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await fileServer.test(.live) { fileClient in
            let base = "http://127.0.0.1:\(try #require(fileClient.port))"
            try await fixture.application().test(.router) { client in
                try await client.post("/api/pull", #"{"model":"a:b","url":"\#(base)/first.gguf","stream":false}"#, headers: fixture.ownerKey) {
                    #expect($0.status == .ok)
                }
                // `a-b` once downloaded to the same file name as `a:b`, replacing its weights.
                try await client.post("/api/pull", #"{"model":"a-b","url":"\#(base)/second.gguf","stream":false}"#, headers: fixture.ownerKey) {
                    #expect($0.status == .ok)
                }
                try await client.post("/api/pull", #"{"model":"a:b","url":"\#(base)/second.gguf","stream":false}"#, headers: fixture.ownerKey) {
                    #expect($0.status == .conflict)
                }
            }
        }
        let store = ModelStore(home: fixture.home.url)
        #expect(Self.sha256(try Data(contentsOf: URL(fileURLWithPath: try store.entry(named: "a:b").path))) == Self.sha256(first))
        #expect(Self.sha256(try Data(contentsOf: URL(fileURLWithPath: try store.entry(named: "a-b").path))) == Self.sha256(second))
    }
}
