import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusServer
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// A server over a temporary home whose store names real GGUF files (the catalog reads their
/// headers) but whose "script-…" models answer from scripts, so responses are deterministic.
/// `smollm2` loads the real model, for the tests that need real inference.
struct ServerFixture {
    let home: TemporaryDirectory
    let database: NexusDatabase
    var configuration: ServerConfiguration
    /// `Authorization` headers with an operator's and an owner's key.
    let operatorKey: HTTPFields
    let ownerKey: HTTPFields
    /// The server's audit log (its head unsigned: the ledger's key is not part of these tests).
    let audit: AuditLog
    private let scripts: [String: ScriptedBackend]

    /// - Parameter keys: false leaves the store without any key (`operatorKey` and `ownerKey` are then empty).
    init(scripts: [String: [String]] = [:], slots: Int = 2, queueLimit: Int = 8, maxBodyBytes: Int = 1 << 20, keys withKeys: Bool = true) throws {
        home = try TemporaryDirectory()
        database = try NexusDatabase.inMemory()
        let store = ModelStore(home: home.url)
        let smollm2 = try TestModels.smollm2()
        try store.register(ModelEntry(name: "smollm2", path: smollm2, size: 1, source: "test"))
        for name in scripts.keys {
            try store.register(ModelEntry(name: name, path: smollm2, size: 1, source: "test"))
        }
        let keys = KeyStore(database: database)
        operatorKey = withKeys ? [.authorization: "Bearer " + (try keys.create(name: "ops", role: .operator).secret)] : [:]
        ownerKey = withKeys ? [.authorization: "Bearer " + (try keys.create(name: "root", role: .owner).secret)] : [:]
        audit = AuditLog(database: database, home: home.url, signer: nil)
        self.scripts = scripts.mapValues { ScriptedBackend(name: "script", responses: $0) }
        configuration = ServerConfiguration(port: 0, home: home.url, defaultModel: "script-agent", slots: slots, queueLimit: queueLimit,
                                            maxBodyBytes: maxBodyBytes)
    }

    /// A new key with `role`: the `Authorization` header that presents it, and its record.
    func newKey(_ role: Role, name: String) throws -> (headers: HTTPFields, record: KeyRecord) {
        let issued = try KeyStore(database: database).create(name: name, role: role)
        return ([.authorization: "Bearer " + issued.secret], issued.record)
    }

    /// The stored record of a run, straight from the store (its policy, owner, failure).
    func storedRun(_ id: String) throws -> RunRecord? {
        try RunStore(database: database).run(id: id)
    }

    func application(loader: ModelPool.Loader? = nil) -> some ApplicationProtocol {
        let scripts = self.scripts
        let database = self.database
        let dependencies = ServerDependencies(
            loadModel: loader ?? { name in
                if let script = scripts[name] { return script }
                return LocalBackend(modelName: name, engine: try await SharedSmolLM2.engine())
            },
            makeAgentRunner: { backend, agent, extraTools, database in
                AgentRunner(backend: backend, tools: try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(),
                                                                       MemoryStoreTool(database: database), MemorySearchTool(database: database),
                                                                       PythonExecuteTool()] + extraTools),
                            database: database, configuration: agent)
            },
            database: database, version: "0.12.0", audit: audit,
            moduleLifecycle: { [home] in
                ModuleLifecycle(runtime: ModuleRuntime(database: database, tools: try ToolRegistry([FilesystemReadTool()])),
                                ledger: Ledger(database: database, home: home.url))
            })
        return buildServerApplication(configuration: configuration, dependencies: dependencies, logger: Logger(label: "test"))
    }
}

/// A file of this repository (`docs/openapi.yaml`, `examples/modules/csv`), for tests that read one.
func repositoryFile(_ path: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(path)
}

/// One smollm2 engine for every test that needs real inference (loading it takes a while).
enum SharedSmolLM2 {
    private static let loaded = Task { try await LlamaEngine.load(path: try TestModels.smollm2(), configuration: EngineConfiguration(contextLength: 2048, slots: 2, threads: 2)) }
    static func engine() async throws -> LlamaEngine { try await loaded.value }
}

extension TestClientProtocol {
    /// POSTs a JSON body and hands the response to `check`.
    @discardableResult
    func post<Value>(_ path: String, _ json: String, headers: HTTPFields = [:],
                     _ check: @escaping (TestResponse) async throws -> Value) async throws -> Value {
        try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json), testCallback: check)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    func json() throws -> JSONValue { try JSONValue.parse(text) }
    /// The body as JSON, or null when it is not JSON (for use inside `#expect`).
    var object: JSONValue { (try? json()) ?? .null }
    /// The objects of an NDJSON body, one per line.
    func lines() throws -> [JSONValue] {
        try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }
    /// The `data:` payloads of an SSE body.
    var events: [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }
}
