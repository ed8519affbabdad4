import Foundation
import NexusCore
import NexusInference
import NexusTesting
import Testing

/// The model store keeps models apart: one manifest per name, no silent replacement, and no
/// store name that a loader could read as a script, a path or a remote endpoint.
@Suite struct ModelStoreIntegrityTests {
    private func store() throws -> (ModelStore, TemporaryDirectory, String) {
        let home = try TemporaryDirectory()
        let gguf = try TinyGGUF.write(named: "tiny", to: home.url.appendingPathComponent("tiny.gguf"))
        return (ModelStore(home: home.url), home, gguf)
    }

    @Test func namesThatOnceSharedAManifestStayTwoModels() throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        try store.register(ModelEntry(name: "a:b", path: gguf, size: 1, system: "first"))
        // `a_b` and `a:b` were written to one file; the second write replaced the first model.
        try store.register(ModelEntry(name: "a_b", path: gguf, size: 1, system: "second"))
        #expect(try store.entry(named: "a:b").system == "first")
        #expect(try store.entry(named: "a_b").system == "second")
        #expect(try store.list().map(\.name) == ["a:b", "a_b"])
    }

    @Test(arguments: ["script:x.json", "SCRIPT:x.json", "openai:http://h#m", "x.gguf", "a/b", "../a", ".hidden",
                      "a:b:c", "a b", "a\nb", "a%3Ab", "", String(repeating: "m", count: 201)])
    func aNameThatIsNotAPlainModelNameIsRefused(name: String) throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        let error = #expect(throws: NexusError.self) { try store.register(ModelEntry(name: name, path: gguf, size: 1)) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("not a usable model name") == true)
        #expect(try store.list().isEmpty)
    }

    @Test func aManifestWhoseNameIsAnotherKindOfReferenceIsNeverListed() throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        // Written before names were checked (a copy named `script:x.json`): it must not be loadable.
        let manifests = store.directory.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        let planted = #"{"name": "script:x.json", "path": "\#(gguf)", "size": 1}"#
        try Data(planted.utf8).write(to: manifests.appendingPathComponent("script_x.json.json"))
        #expect(try store.list().isEmpty)
        #expect(throws: NexusError.self) { try store.entry(named: "script:x.json") }
    }

    @Test func everySpellingOfANameIsOneModel() throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        try store.register(ModelEntry(name: "Qwen", path: gguf, size: 1, system: "kept"))
        for spelling in ["qwen", "qwen:latest", "QWEN:Latest"] {
            let error = #expect(throws: NexusError.self) { try store.register(ModelEntry(name: spelling, path: gguf, size: 1, system: "other")) }
            #expect(error?.code == .modelExists)
            #expect(try store.entry(named: spelling).system == "kept")
        }
        #expect(try store.list().map(\.name) == ["qwen"])
    }

    @Test func anExistingModelIsReplacedOnlyWhenAskedTo() throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        try store.register(ModelEntry(name: "m:1", path: gguf, size: 1, system: "original"))
        let error = #expect(throws: NexusError.self) { try store.register(ModelEntry(name: "m:1", path: gguf, size: 1, system: "changed")) }
        #expect(error?.code == .modelExists)
        #expect(error?.message.contains("\"replace\": true") == true)
        #expect(try store.entry(named: "m:1").system == "original")
        try store.register(ModelEntry(name: "m:1", path: gguf, size: 1, system: "changed"), replacing: true)
        #expect(try store.entry(named: "m:1").system == "changed")
        #expect(try store.list().count == 1)
    }

    @Test func aManifestInTheOldLayoutIsReadAndProtected() throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        // `make setup` wrote `qwen2.5-coder_0.5b.json` for `qwen2.5-coder:0.5b`.
        let manifests = store.directory.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        let old = #"{"name": "qwen2.5-coder:0.5b", "path": "\#(gguf)", "size": 1, "system": "setup"}"#
        try Data(old.utf8).write(to: manifests.appendingPathComponent("qwen2.5-coder_0.5b.json"))
        #expect(try store.entry(named: "qwen2.5-coder:0.5b").system == "setup")
        #expect(throws: NexusError.self) { try store.register(ModelEntry(name: "qwen2.5-coder:0.5b", path: gguf, size: 1, system: "x")) }
        try store.register(ModelEntry(name: "qwen2.5-coder_0.5b", path: gguf, size: 1, system: "other model"))
        #expect(try store.entry(named: "qwen2.5-coder:0.5b").system == "setup")
        try store.remove(name: "qwen2.5-coder:0.5b")
        #expect(try store.list().map(\.name) == ["qwen2.5-coder_0.5b"])
    }

    @Test func concurrentWritersOfOneNameLeaveExactlyOneModel() async throws {
        let (store, home, gguf) = try store()
        defer { home.remove() }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask { (try? store.register(ModelEntry(name: "race", path: gguf, size: 1, system: "\(index)"))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try store.list().count == 1)
    }

    @Test func aBlobIsNeverOverwritten() throws {
        let (store, home, _) = try store()
        defer { home.remove() }
        let first = home.url.appendingPathComponent("one")
        try Data("original".utf8).write(to: first)
        let blob = try store.storeBlob(first, sha256: String(repeating: "a", count: 64))
        let second = home.url.appendingPathComponent("two")
        try Data("intruder".utf8).write(to: second)
        #expect(try store.storeBlob(second, sha256: String(repeating: "a", count: 64)) == blob)
        #expect(try String(contentsOf: blob, encoding: .utf8) == "original")
    }
}
