import Foundation
import NexusCore
import NexusTesting
import Testing

@Suite("nexus chat keeps its conversations", .serialized)
struct ChatHistoryCLITests {
    /// A scripted model that answers `answers`, in order.
    static func script(_ answers: [String], in directory: TemporaryDirectory, name: String) throws -> String {
        let file = directory.url.appendingPathComponent(name)
        try Data(JSONValue.object(["responses": .array(answers.map(JSONValue.string))]).jsonText.utf8).write(to: file)
        return "script:" + file.path
    }

    /// The conversation ids a chat named on stderr, in order.
    static func conversationIDs(_ output: NexusProcess.Output) -> [String] {
        output.stderr.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).filter { $0.hasPrefix("conv_") }.map(String.init)
    }

    @Test("each exchange is saved, listed, and continued with --resume; /clear starts a new conversation")
    func savedListedResumed() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let first = try NexusProcess.run(
            ["chat", "--model", try Self.script(["Hi there.", "You said hello."], in: home, name: "one.json"), "--system", "Be brief."],
            home: home.url, stdin: "Hello!\nWhat did I say?\n/bye\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "Hi there.\n\nYou said hello.\n\n")
        let id = try #require(Self.conversationIDs(first).first, "\(first.stderr)")

        let listed = try NexusProcess.run(["chat", "--list"], home: home.url)
        #expect(listed.status == 0, "\(listed.stderr)")
        // The system message and two exchanges.
        let row = try #require(listed.stdout.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "5")
        #expect(row.hasSuffix("Hello!"))

        let resumed = try NexusProcess.run(["chat", "--model", try Self.script(["Still here.", "Fresh start."], in: home, name: "two.json"),
                                            "--resume", id], home: home.url, stdin: "Are you there?\n/clear\nNew topic.\n/bye\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming conversation \(id) (5 messages)"))
        #expect(resumed.stdout == "Still here.\n\n(new conversation; \(id) is kept)\nFresh start.\n\n")
        let newID = try #require(Self.conversationIDs(resumed).first { $0 != id }, "\(resumed.stderr)")

        let after = try NexusProcess.run(["chat", "--list"], home: home.url).stdout.split(separator: "\n")
        #expect(after.count == 3)
        #expect(after.first { $0.hasPrefix(id) }?.split(separator: " ").dropFirst().first == "7")
        #expect(after.first { $0.hasPrefix(newID) }?.split(separator: " ").dropFirst().first == "2")
    }

    @Test("--resume with an unknown id is one clear line, before any model is loaded")
    func unknownConversation() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let output = try NexusProcess.run(["chat", "--model", "no-such-model", "--resume", "conv_nothere"], home: home.url, stdin: "Hi\n")
        #expect(output.status != 0)
        #expect(output.stderr.contains("no conversation 'conv_nothere'; list them with `nexus chat --list`"), "\(output.stderr)")
        #expect(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
    }
}
