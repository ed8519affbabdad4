import Foundation
import NexusCore
import NexusTesting
import Testing

@Suite("The nexus command line", .serialized)
struct CLITests {
    @Test("--version names nexus and its llama.cpp source")
    func version() throws {
        let output = try NexusProcess.run(["--version"])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("nexus "))
        #expect(output.stdout.contains("llama-cpp-python 0.3.36"))
    }

    @Test("models list --json describes the installed catalog models")
    func modelsListJSON() throws {
        let output = try NexusProcess.run(["models", "list", "--json"])
        #expect(output.status == 0)
        let models = try #require(try JSONValue.parse(output.stdout).arrayValue)
        let smol = try #require(models.first { $0["name"] == "smollm2" })
        #expect(smol["quantization"] == "Q4_1")
        #expect(smol["parameters"] == "135M")
        #expect(smol["context_length"] == 8192)
        #expect(smol["size"] == 98_362_432)
        #expect(smol["path"]?.stringValue?.hasSuffix(".gguf") == true)
    }

    @Test("an empty NEXUS_HOME means the default home, not the current folder")
    func emptyHomeIsTheDefault() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let output = try NexusProcess.run(["runs", "list"], directory: folder.url, environment: ["NEXUS_HOME": ""])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("nexus.db").path))
    }

    @Test("models add, show and rm in a fresh home")
    func modelsLifecycle() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let path = try TestModels.smollm2()
        let added = try NexusProcess.run(["models", "add", path, "--name", "tiny"], home: home.url)
        #expect(added.status == 0, "\(added.stderr)")
        let again = try NexusProcess.run(["models", "add", path, "--name", "tiny"], home: home.url)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already in the store"))
        let shown = try NexusProcess.run(["models", "show", "tiny"], home: home.url)
        #expect(shown.stdout.contains("Q4_1"))
        #expect(shown.stdout.contains("llama"))
        let removed = try NexusProcess.run(["models", "rm", "tiny"], home: home.url)
        #expect(removed.status == 0)
        // A model added by path keeps its file.
        #expect(FileManager.default.fileExists(atPath: path))
        let listed = try NexusProcess.run(["models", "list", "--json"], home: home.url)
        #expect(try JSONValue.parse(listed.stdout) == .array([]))
    }

    @Test("generate prints only the output, reproducibly with a seed")
    func generate() throws {
        let arguments = ["generate", "--model", "smollm2", "--seed", "7", "--max-tokens", "24", "Say hello."]
        let first = try NexusProcess.run(arguments)
        let second = try NexusProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(first.stdout == second.stdout)
        #expect(!first.stdout.contains("loading"))
    }

    @Test("generate --json-schema always prints JSON valid against the schema")
    func generateWithSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "name": ["type": "string", "maxLength": 20],
                "age": ["type": "integer", "minimum": 0, "maximum": 120],
                "pets": ["type": "array", "items": ["enum": ["cat", "dog", "fish"]], "maxItems": 3],
            ],
            "required": ["name", "age", "pets"],
            "additionalProperties": false,
        ]
        let file = directory.url.appendingPathComponent("person.json")
        try Data(schema.jsonText.utf8).write(to: file)
        let validator = try JSONSchema(schema)
        for (index, prompt) in ["Describe a person.", "A pirate with a parrot.", "Give me JSON for my grandmother."].enumerated() {
            let output = try NexusProcess.run(["generate", "--model", "smollm2", "--seed", "\(index)", "--max-tokens", "200", "--json-schema", file.path, prompt])
            #expect(output.status == 0, "\(output.stderr)")
            let value = try JSONValue.parse(output.stdout)
            #expect(validator.validate(value).isEmpty, "\(output.stdout)")
        }
    }

    @Test("bad input gets one clear line and a non-zero exit", arguments: [
        (["generate", "--model", "no-such-model", "hi"], "is not in the store"),
        (["generate", "--model", "/tmp/missing-file.gguf", "hi"], "does not exist"),
        (["generate", "--model", "smollm2", ""], "prompt is empty"),
        (["generate", "--model", "smollm2", "--json-schema", "/tmp/no-such-schema.json", "hi"], "cannot read the schema file"),
        (["models", "show", "no-such-model"], "is not in the store"),
        (["models", "add", "/etc/hostname"], "is not a valid GGUF model"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let output = try NexusProcess.run(arguments)
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count <= 2, "\(output.stderr)")
        #expect(!output.stderr.contains("Fatal error"))
    }

    @Test("an unsupported schema keyword is refused by name")
    func unsupportedSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("bad.json")
        try Data(#"{"type": "object", "patternProperties": {"^a": {"type": "string"}}}"#.utf8).write(to: file)
        let output = try NexusProcess.run(["generate", "--model", "smollm2", "--json-schema", file.path, "hi"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("patternProperties"))
    }

    @Test("a corrupt model file is refused without a crash")
    func corruptModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("broken.gguf")
        // A real header cut short: the magic and version, then nothing.
        try Data("GGUF".utf8 + [3, 0, 0, 0, 9, 0, 0, 0]).write(to: file)
        let output = try NexusProcess.run(["generate", "--model", file.path, "hi"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("not a valid GGUF model"), "\(output.stderr)")
    }

    @Test("a prompt longer than the context is refused")
    func promptTooLong() throws {
        let long = String(repeating: "lorem ipsum ", count: 400)
        let output = try NexusProcess.run(["generate", "--model", "smollm2", "--ctx-size", "256", long])
        #expect(output.status != 0)
        #expect(output.stderr.contains("context holds 256"), "\(output.stderr)")
    }

    @Test("chat answers each line in turn and stops at /bye")
    func chatWithScript() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = directory.url.appendingPathComponent("chat.json")
        try Data(#"{"responses": ["First answer.", "Second answer.", "Never reached."]}"#.utf8).write(to: script)
        // Its own home: the conversation is saved there, not in the user's.
        let output = try NexusProcess.run(["chat", "--model", "script:\(script.path)"], home: directory.url,
                                          stdin: "Hello!\n\nWhat did I say?\n/bye\nignored\n")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "First answer.\n\nSecond answer.\n\n")
    }

    @Test("chat streams a real model's answer")
    func chatWithModel() throws {
        let output = try NexusProcess.run(
            ["chat", "--model", "smollm2", "--temperature", "0", "--max-tokens", "16"], stdin: "Hello!\n/bye\n")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("bench --json reports pp and tg tokens per second")
    func bench() throws {
        let output = try NexusProcess.run(["bench", "--model", "smollm2", "-p", "64", "-n", "16", "-r", "1", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let reports = try #require(try JSONValue.parse(output.stdout).arrayValue)
        #expect(reports.map { $0["test"] } == ["pp64", "tg16"])
        for report in reports {
            #expect((report["tokens_per_second"]?.numberValue ?? 0) > 0)
        }
    }
}
