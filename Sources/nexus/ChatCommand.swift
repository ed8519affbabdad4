import ArgumentParser
import Foundation
import NexusCore

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Chat with a model; answers stream as they are generated.",
        discussion: "Type a message and press Enter. /clear forgets the conversation, /bye or Ctrl-D ends it.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "A system message.") var system: String?
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Double = 0.8
    @Option(help: "Most tokens per answer.") var maxTokens: Int = 1024

    func run() async throws {
        let backend = try await modelOptions.loadBackend()
        let interactive = isatty(STDIN_FILENO) == 1
        var history: [ChatMessage] = system.map { [.system($0)] } ?? []
        while true {
            if interactive { Output.write(">>> ") }
            guard let line = readLine() else { break }
            let input = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if input.isEmpty { continue }
            if input == "/bye" { break }
            if input == "/clear" {
                history = system.map { [.system($0)] } ?? []
                Output.write("(conversation cleared)\n")
                continue
            }
            history.append(.user(input))
            let request = GenerationRequest(
                prompt: .chat(history), sampling: SamplingParameters(temperature: temperature), maxTokens: maxTokens)
            var answer = ""
            for try await event in backend.generate(request) {
                if case .text(let text) = event {
                    answer += text
                    Output.write(text)
                }
            }
            Output.write("\n\n")
            history.append(.assistant(answer))
        }
    }
}
