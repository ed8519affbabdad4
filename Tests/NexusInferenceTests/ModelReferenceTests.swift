import Foundation
import NexusCore
import NexusInference
import Testing

@Suite struct ModelReferenceTests {
    @Test func readsEachForm() throws {
        #expect(try ModelReference(parsing: "qwen2.5-coder") == .named("qwen2.5-coder"))
        #expect(try ModelReference(parsing: "SmolLM2.Q4_1.gguf") == .path("SmolLM2.Q4_1.gguf"))
        #expect(try ModelReference(parsing: "models/smol") == .path("models/smol"))
        #expect(try ModelReference(parsing: "script:Tests/fixtures/agent.json") == .script("Tests/fixtures/agent.json"))
        #expect(try ModelReference(parsing: "openai:http://127.0.0.1:8080/v1#smol")
            == .openAI(baseURL: URL(string: "http://127.0.0.1:8080/v1")!, model: "smol"))
    }

    @Test func theModelIsEverythingAfterTheFirstHash() throws {
        let reference = try ModelReference(parsing: "openai:https://api.example.test/v1#team/model:7b#q4")
        #expect(reference == .openAI(baseURL: URL(string: "https://api.example.test/v1")!, model: "team/model:7b#q4"))
    }

    @Test(arguments: [
        "qwen2.5-coder", "a/b.gguf", "script:run.json", "openai:http://127.0.0.1:8080/v1#smol",
    ])
    func theDescriptionReadsBackToTheSameReference(text: String) throws {
        let reference = try ModelReference(parsing: text)
        #expect(reference.description == text)
        #expect(try ModelReference(parsing: reference.description) == reference)
    }

    @Test(arguments: [
        ("", "empty"),
        ("   ", "empty"),
        ("openai:http://127.0.0.1:8080/v1", "names no model"),
        ("openai:http://127.0.0.1:8080/v1#", "empty model"),
        ("openai:127.0.0.1:8080#smol", "no http(s) URL"),
        ("script:", "names no script"),
    ])
    func rejectsIncompleteReferences(text: String, problem: String) {
        let error = #expect(throws: NexusError.self) { try ModelReference(parsing: text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(problem) == true)
    }
}
