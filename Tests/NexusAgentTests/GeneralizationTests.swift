import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import Testing

@Suite("HOPE: steps generalized from several recorded runs, with the model where they disagree")
struct GeneralizationTests {
    /// The words point the tool selection at filesystem_write, which the scripted runs call: the
    /// loop runs only tools it offered.
    static let backupTask = "Back up %@: write a copy"

    /// A LEARNER run (HOPE off, so no trace is followed) that copies `file` to `backup`.
    func learnBackup(_ fixture: AgentFixture, file: String, backup: String) async throws -> RunSummary {
        try Data("contents of \(file)\n".utf8).write(to: fixture.workspace.url.appendingPathComponent(file))
        let (runner, _) = fixture.runner([
            call("filesystem_read", #"{"path": "\#(file)"}"#),
            call("filesystem_write", #"{"path": "\#(backup)", "content": "contents of \#(file)\n"}"#),
            "I copied \(file) to \(backup).",
        ], configuration: AgentConfiguration(hope: HopeThresholds(enabled: false)))
        let summary = try #require(try await fixture.collect(runner.start(
            task: String(format: Self.backupTask, file), workspace: fixture.workspace.url, policy: .default)).summary)
        try #require(summary.outcome == .success)
        return summary
    }

    /// A crystallizer whose model gives `modelReplies`, and the runtime its modules install into.
    func crystallizer(_ fixture: AgentFixture, home: TemporaryDirectory, modelReplies: [String]) -> (Crystallizer, RecordingBackend, ModuleRuntime) {
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        var crystallizer = Crystallizer(database: fixture.database, lifecycle: ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url)))
        let model = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: modelReplies))
        crystallizer.model = model
        return (crystallizer, model, runtime)
    }

    @Test("parts of a parameter: file name, folder, stem, extension, case")
    func transforms() {
        #expect(ParameterTransform.filename.apply(to: "docs/notes.tar.gz") == "notes.tar.gz")
        #expect(ParameterTransform.folder.apply(to: "docs/notes.tar.gz") == "docs")
        #expect(ParameterTransform.stem.apply(to: "docs/notes.tar.gz") == "notes.tar")
        #expect(ParameterTransform.extension.apply(to: "docs/notes.tar.gz") == "gz")
        #expect(ParameterTransform.stem.apply(to: ".bashrc") == ".bashrc")
        #expect(ParameterTransform.extension.apply(to: ".bashrc") == nil)
        #expect(ParameterTransform.folder.apply(to: "notes.txt") == nil)
        #expect(ParameterTransform.upper.apply(to: "Ünits ok") == "ÜNITS OK")
    }

    @Test("every part of a parameter is the same (or none) in Swift and in a compiled module",
          arguments: ["docs/notes.tar.gz", ".bashrc", "a..", "Mixed/Case.TXT", "plain", "dir/", "ünï/cödé.md", "/x"])
    func twins(path: String) async throws {
        let transforms = ParameterTransform.allCases.filter { $0.apply(to: path) != nil }
        let answer = try await DerivationTwinTests.compiledAnswer(transforms.map { .transformed(parameter: 0, $0) }, input: path, readResult: "")
        #expect(answer == transforms.map { $0.apply(to: path)! }, "parts: \(transforms.map(\.rawValue))")
    }

    @Test("the model's template syntax: holes it names are parsed, other braces stay text")
    func syntax() {
        let template = TemplateSyntax.parse("{path1.stem}_{ step1.line_count }.txt {x} {path9} {step2.trimmed} {\"a\": 1}",
                                            parameterNames: ["path1"], steps: 1)
        #expect(template == TextTemplate([
            .transformed(parameter: 0, .stem), .literal("_"), .derived(step: 0, .lineCount),
            .literal(".txt {x} {path9} {step2.trimmed} {\"a\": 1}"),
        ]))
        #expect(TemplateSyntax.replyText("Here it is:\n```text\n{path1}.bak\n```\n") == "{path1}.bak")
        #expect(TemplateSyntax.replyText(" `{path1}.bak` ") == "{path1}.bak")
    }

    @Test("runs that disagree on a value: parts of the parameter explain it, no model is asked, and the module runs")
    func partsGeneralize() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let first = try await learnBackup(fixture, file: "notes.txt", backup: "notes_backup.txt")
        _ = try await learnBackup(fixture, file: "todo.md", backup: "todo_backup.md")

        let (crystallizer, model, runtime) = crystallizer(fixture, home: home, modelReplies: [])
        let made = try await crystallizer.crystallize(runID: first.id)
        #expect(made.generalizedByExamples == 1 && made.generalizedByModel == 0)
        #expect(made.testedRuns == 2)
        #expect(model.requests.isEmpty)
        #expect(made.modelTokens == 0)

        // The module (Lua's twins of the parts) names the backup after the new file.
        try Data("plans\n".utf8).write(to: fixture.workspace.url.appendingPathComponent("plan.cfg"))
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: []))
        let runner = AgentRunner(backend: backend, tools: try runtime.tools.adding(try runtime.installedTools()), database: fixture.database)
        let summary = try #require(try await fixture.collect(runner.start(
            task: String(format: Self.backupTask, "plan.cfg"), workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.mode == .crystallized)
        #expect(backend.requests.isEmpty)
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("plan_backup.cfg"), encoding: .utf8) == "plans\n")
    }

    @Test("a follower replays the program as the recorded runs generalize it, without a model")
    func followerGeneralizes() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        _ = try await learnBackup(fixture, file: "notes.txt", backup: "notes_backup.txt")
        _ = try await learnBackup(fixture, file: "todo.md", backup: "todo_backup.md")

        try Data("plans\n".utf8).write(to: fixture.workspace.url.appendingPathComponent("plan.cfg"))
        let (runner, backend) = fixture.runner([])
        let summary = try #require(try await fixture.collect(runner.start(
            task: String(format: Self.backupTask, "plan.cfg"), workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.mode == .follower)
        #expect(backend.requests.isEmpty)
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("plan_backup.cfg"), encoding: .utf8) == "plans\n")
    }

    @Test("where no run's explanation fits them all, the model's template that gives every run's value is kept")
    func modelGeneralizes() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        // A one-letter stem is only taken as a whole word, so "aa.txt" is not explained by the runs.
        let first = try await learnBackup(fixture, file: "a.txt", backup: "aa.txt")
        _ = try await learnBackup(fixture, file: "b.md", backup: "bb.md")

        let (crystallizer, model, _) = crystallizer(fixture, home: home, modelReplies: ["Here:\n```\n{path1.stem}{path1}\n```"])
        let made = try await crystallizer.crystallize(runID: first.id)
        #expect(made.generalizedByModel == 1 && made.generalizedByExamples == 0)
        #expect(made.testedRuns == 2)
        #expect(model.requests.count == 1)
        #expect(made.modelTokens > 0)
        let question = try #require(model.requests.first.map { "\($0.prompt)" })
        #expect(question.contains("aa.txt") && question.contains("bb.md"))
    }

    @Test("a model template that misses a run's value is refused: the value stays literal, the run is no test")
    func wrongTemplateRefused() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let first = try await learnBackup(fixture, file: "a.txt", backup: "aa.txt")
        _ = try await learnBackup(fixture, file: "b.md", backup: "bb.md")

        let (crystallizer, model, _) = crystallizer(fixture, home: home, modelReplies: Array(repeating: "{path1}{path1}", count: 3))
        let made = try await crystallizer.crystallize(runID: first.id)
        #expect(made.generalizedByModel == 0)
        #expect(made.testedRuns == 1)
        #expect(model.requests.count == 3)
        // Refused replies cost tokens too: three equal questions with equal replies, all counted.
        #expect(made.modelTokens > 0 && made.modelTokens % 3 == 0)
    }

    @Test("runs that agree ask the model nothing")
    func agreementAsksNothing() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let first = try await learnBackup(fixture, file: "notes.txt", backup: "backup.txt")
        try FileManager.default.removeItem(at: fixture.workspace.url.appendingPathComponent("backup.txt"))
        _ = try await learnBackup(fixture, file: "todo.md", backup: "backup.txt")

        let (crystallizer, model, _) = crystallizer(fixture, home: home, modelReplies: [])
        let made = try await crystallizer.crystallize(runID: first.id)
        #expect(made.generalizedByModel == 0 && made.generalizedByExamples == 0)
        #expect(made.testedRuns == 2)
        #expect(model.requests.isEmpty)
    }
}
