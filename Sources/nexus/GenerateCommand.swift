import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Answer one prompt and print only the output.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Most tokens to generate.") var maxTokens: Int = 512
    @Option(help: "Seed for reproducible sampling.") var seed: UInt32?
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Double = 0.8
    @Option(help: "A JSON Schema file; the output is JSON valid against it.") var jsonSchema: String?
    @Option(help: "A system message.") var system: String?
    @Flag(help: "Give the prompt to the model as raw text, without its chat template.") var raw = false
    @Argument(help: "The prompt.") var prompt: String

    func validate() throws {
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw NexusError(.emptyPrompt, "the prompt is empty; give the model some text")
        }
        guard maxTokens > 0 else { throw NexusError(.invalidArgument, "--max-tokens must be at least 1") }
    }

    func run() async throws {
        let schema = try jsonSchema.map(Self.loadSchema)
        let backend = try await modelOptions.backend(for: .chat, database: try AgentFactory(configuration: NexusConfiguration()).database(), load: true)
        var messages: [ChatMessage] = []
        if let system { messages.append(.system(system)) }
        messages.append(.user(prompt))
        let request = GenerationRequest(
            prompt: raw ? .text(prompt) : .chat(messages),
            responseFormat: schema.map { .jsonSchema($0.root) } ?? .text,
            sampling: SamplingParameters(temperature: temperature, seed: seed),
            maxTokens: maxTokens)
        var output = ""
        var finish = FinishReason.stop
        for try await event in backend.generate(request) {
            switch event {
            case .text(let text):
                output += text
                Output.write(text)
            case .done(let result):
                finish = result.finishReason
            }
        }
        Output.write("\n")
        if let schema {
            try Self.checkOutput(output, against: schema, finish: finish, maxTokens: maxTokens)
        }
    }

    static func loadSchema(_ path: String) throws -> JSONSchema {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NexusError(.ioError, "cannot read the schema file \(path); check the path")
        }
        do {
            return try JSONSchema(JSONValue.parse(data))
        } catch let error as NexusError {
            throw NexusError(error.code, "\(path): \(error.message)")
        }
    }

    /// The grammar guarantees valid JSON unless generation was cut short; say so plainly then.
    static func checkOutput(_ output: String, against schema: JSONSchema, finish: FinishReason, maxTokens: Int) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(output)
        } catch {
            let hint = finish == .length ? "the output was cut at --max-tokens \(maxTokens); raise it" : "report this as a bug"
            throw NexusError(.schemaViolation, "the output is not complete JSON (\(hint))")
        }
        try schema.check(value)
    }
}
