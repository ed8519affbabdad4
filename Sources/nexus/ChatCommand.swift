import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Chat with a model; answers stream as they are generated.",
        discussion: """
            Type a message and press Enter. /clear starts a new conversation, /bye or Ctrl-D ends it. \
            Each exchange is saved in $NEXUS_HOME/nexus.db: --list shows the conversations, --resume ID continues one.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "A system message.") var system: String?
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Double = 0.8
    @Option(help: "Most tokens per answer.") var maxTokens: Int = 1024
    @Option(help: "Continue the saved conversation with this id.") var resume: String?
    @Flag(help: "List the saved conversations, newest first, and exit.") var list = false
    @Option(help: "How many conversations --list shows.") var limit = 20
    @OptionGroup var org: OrgOption

    func validate() throws {
        if list, resume != nil { throw NexusError(.invalidArgument, "--list and --resume do not go together; pick one") }
        if resume != nil, system != nil {
            throw NexusError(.invalidArgument, "a resumed conversation keeps its own system message; drop --system")
        }
    }

    func run() async throws {
        let database = try org.database()
        let store = ConversationStore(database: database)
        if list {
            Output.write(Table.render(
                header: ["ID", "MESSAGES", "UPDATED", "TITLE"],
                rows: try store.list(limit: limit).map { [$0.id, String($0.messageCount), $0.updatedAt.ISO8601Format(), $0.title ?? "-"] }) + "\n")
            return
        }
        let opening: [ChatMessage] = system.map { [.system($0)] } ?? []
        var history = opening
        // A new conversation is saved with its first exchange, so quitting at once leaves nothing behind.
        var conversationID: String?
        if let resume {
            guard try store.conversation(id: resume) != nil else {
                throw NexusError(.invalidArgument, "no conversation '\(resume)'; list them with `nexus chat --list`")
            }
            history = try store.messages(conversationID: resume)
            conversationID = resume
            Self.note("resuming conversation \(resume) (\(history.count) messages)")
        }
        let backend = try await modelOptions.backend(for: .chat, database: database, load: true)
        let interactive = isatty(STDIN_FILENO) == 1
        while true {
            if interactive { Output.write(">>> ") }
            guard let line = readLine() else { break }
            let input = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if input.isEmpty { continue }
            if input == "/bye" { break }
            if input == "/clear" {
                history = opening
                Output.write(conversationID.map { "(new conversation; \($0) is kept)\n" } ?? "(new conversation)\n")
                conversationID = nil
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
            let exchange = Array(history.suffix(2))
            if let conversationID {
                try store.append(contentsOf: exchange, to: conversationID)
            } else {
                let conversation = try store.create(title: String(input.prefix(60)))
                try store.append(contentsOf: opening + exchange, to: conversation.id)
                conversationID = conversation.id
                Self.note("conversation \(conversation.id) saved; continue it with `nexus chat --resume \(conversation.id)`")
            }
        }
    }

    /// A line on stderr, so that stdout holds only the answers.
    private static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
