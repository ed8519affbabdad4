import Foundation
import NexusCore
import NexusTesting
import Testing

/// The gateway and the toolsmith from the command line, with scripted models behind
/// `$NEXUS_HOME/gateway.json`.
@Suite("nexus modules build and gateway.json", .serialized)
struct ToolsmithCLITests {
    static let counting = #"```lua\nlocal M = {}\nfunction M.run(input)\n  local n = 0\n  for _ in string.gmatch(input.text, \"%S+\") do n = n + 1 end\n  return { count = n }\nend\nreturn M\n```\ntests: []"#

    @Test("modules build follows gateway.json's build route to an installed, callable module; a bad examples file is one clear line")
    func build() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let script = home.url.appendingPathComponent("build.json")
        try Data(#"{"responses": ["\#(Self.counting)"]}"#.utf8).write(to: script)
        try Data(#"{"routes": {"build": [{"model": "script:\#(script.path)"}], "repair": [{"model": "script:\#(script.path)"}]}}"#.utf8)
            .write(to: home.url.appendingPathComponent("gateway.json"))
        let examples = home.url.appendingPathComponent("examples.json")
        try Data(#"[{"input": {"text": "a b"}, "output": {"count": 2}}, {"input": {"text": "c d e"}, "output": {"count": 3}}]"#.utf8).write(to: examples)

        let built = try NexusProcess.run(["modules", "build", "Count the words in a text", "--examples", examples.path, "--name", "words"], home: home.url)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("attempt 1 (build): passed"))
        #expect(built.stdout.contains("built words@1.0.0 in 1 attempts"))
        let called = try NexusProcess.run(["modules", "run", "words", "--input", #"{"text": "one two three four"}"#], home: home.url)
        #expect(called.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"count":4}"#, "\(called.stderr)")
        let listed = try NexusProcess.run(["modules", "builds", "--json"], home: home.url)
        #expect(try JSONValue.parse(listed.stdout).arrayValue?.first?["status"] == "validated")

        try Data("[1, 2]".utf8).write(to: examples)
        let bad = try NexusProcess.run(["modules", "build", "Count", "--examples", examples.path], home: home.url)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("example 1 needs \"input\""), "\(bad.stderr)")
    }

    @Test("run without --model takes gateway.json's agent route")
    func agentRoute() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let script = home.url.appendingPathComponent("agent.json")
        try Data(#"{"responses": ["The gateway's agent route answered."]}"#.utf8).write(to: script)
        try Data(#"{"routes": {"agent": [{"model": "script:\#(script.path)"}]}}"#.utf8).write(to: home.url.appendingPathComponent("gateway.json"))
        let workspace = home.url.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        let run = try NexusProcess.run(["run", "--no-hope", "--no-program-first", "--workspace", workspace.path, "Say something."], home: home.url,
                                       environment: ["NEXUS_MODEL": "no-such-model"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("The gateway's agent route answered."), "\(run.stdout)")
    }

    @Test("chat and generate take gateway.json's chat route or --model gateway:PURPOSE; a budget spent by one command refuses the next")
    func chatRouteAndBudgetAcrossCommands() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let chat = home.url.appendingPathComponent("chat.json")
        try Data(#"{"responses": ["Routed hello.", "Routed again."]}"#.utf8).write(to: chat)
        let judge = home.url.appendingPathComponent("judge.json")
        try Data(#"{"responses": ["Judged."]}"#.utf8).write(to: judge)
        try Data(#"{"routes": {"chat": [{"model": "script:\#(chat.path)"}], "judge": [{"model": "script:\#(judge.path)"}]}, "budgets": {"purposes": {"chat": 3}}}"#.utf8)
            .write(to: home.url.appendingPathComponent("gateway.json"))
        let environment = ["NEXUS_MODEL": "no-such-model"]
        let talked = try NexusProcess.run(["chat"], home: home.url, stdin: "Hi!\n/bye\n", environment: environment)
        #expect(talked.status == 0, "\(talked.stderr)")
        #expect(talked.stdout.contains("Routed hello."), "\(talked.stdout)")
        // The chat spent more than the budget of 3 tokens; the next command reads that from nexus.db.
        let refused = try NexusProcess.run(["generate", "Hello?"], home: home.url, environment: environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("purpose:chat budget of 3 tokens is spent"), "\(refused.stderr)")
        let judged = try NexusProcess.run(["generate", "--model", "gateway:judge", "Hello?"], home: home.url, environment: environment)
        #expect(judged.status == 0, "\(judged.stderr)")
        #expect(judged.stdout.contains("Judged."))
        let wrong = try NexusProcess.run(["generate", "--model", "gateway:jduge", "Hello?"], home: home.url, environment: environment)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("names no gateway purpose"), "\(wrong.stderr)")
        // The journal as `nexus gateway` reads it: every command's calls, and the chat budget spent.
        let shown = try NexusProcess.run(["gateway", "--json"], home: home.url, environment: environment)
        #expect(shown.status == 0, "\(shown.stderr)")
        let status = try JSONValue.parse(shown.stdout)
        #expect(status["recent_calls"]?.arrayValue?.compactMap { $0["purpose"]?.stringValue } == ["chat", "judge"], "\(shown.stdout)")
        let chatBudget = status["budgets"]?.arrayValue?.first { $0["budget"]?.stringValue == "purpose:chat" }
        #expect((chatBudget?["used"]?.numberValue ?? 0) >= 3 && chatBudget?["limit"]?.numberValue == 3)
        let table = try NexusProcess.run(["gateway"], home: home.url, environment: environment)
        #expect(table.stdout.contains("chat        script:"), "\(table.stdout)")
    }
}
