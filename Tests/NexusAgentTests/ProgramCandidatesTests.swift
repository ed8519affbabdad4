import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// Several programs drawn on a program turn, each tried in a scratch copy of the workspace, and
/// the one most working ones agree with run for real (`AgentConfiguration.programCandidates`).
@Suite("Program candidates")
struct ProgramCandidatesTests {
    func runner(_ fixture: AgentFixture, _ responses: [String], candidates: Int = 3) throws -> (AgentRunner, RecordingBackend) {
        var agent = AgentConfiguration()
        agent.writesProgramFirst = true
        agent.programCandidates = candidates
        let tools = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), PythonExecuteTool()])
        let backend = RecordingBackend(wrapping: ScriptedBackend(name: "script", responses: responses))
        return (AgentRunner(backend: backend, tools: tools, database: fixture.database, configuration: agent), backend)
    }

    func write(_ text: String, _ name: String, in fixture: AgentFixture) throws {
        let url = fixture.workspace.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func messages(_ request: GenerationRequest) -> [ChatMessage] {
        if case .chat(let messages) = request.prompt { return messages }
        return []
    }

    func trialsStep(_ runID: String, _ fixture: AgentFixture) throws -> RunStep? {
        try RunStore(database: fixture.database).steps(runID: runID).first { $0.status == "candidates" }
    }

    /// The greedy program sums the header's line as data (a small model's usual slip); two
    /// sampled ones agree on the right total, and one of them is what runs.
    @Test("the program most draws agree with runs, not the greedy one alone")
    func agreementWins() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write("item,qty\nnuts,4\nbolts,5\n", "stock.csv", in: fixture)
        let wrong = "```python\nlines = open('stock.csv').read().split()\nprint(len(lines) + 4)\n```"
        let right = "```python\nimport csv\nprint(sum(int(r['qty']) for r in csv.DictReader(open('stock.csv'))))\n```"
        let alsoRight = "```python\nrows = open('stock.csv').read().splitlines()[1:]\nprint('Total:', sum(int(r.split(',')[1]) for r in rows))\n```"
        let (runner, backend) = try runner(fixture, [wrong, right, alsoRight, "The total is 9."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What is the total of the qty column in stock.csv?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.tool) == ["python_execute"])
        #expect(summary.steps.first?.arguments["code"]?.stringValue?.contains("csv.DictReader") == true)
        let trials = try #require(try trialsStep(summary.id, fixture))
        #expect(trials.resultExcerpt == "3 programs drawn, 3 worked in a scratch copy; #2, #3 did the same; #2 runs", "\(trials.resultExcerpt ?? "")")
        // The later draws are sampled, each with its own seed, from the first one's request.
        #expect(backend.requests.count == 4)
        #expect(backend.requests[0].sampling.temperature == 0)
        #expect(backend.requests[1].sampling.temperature > 0 && backend.requests[2].sampling.temperature > 0)
        #expect(backend.requests[1].sampling.seed != backend.requests[2].sampling.seed)
        // The answer turn sees the chosen program's output.
        #expect(messages(backend.requests[3]).contains { $0.role == .tool && $0.content.contains("stdout:\n9") })
        #expect(summary.answer == "The total is 9.")
    }

    @Test("a trial changes nothing real: a candidate that deletes a file is tried in a copy and not chosen")
    func trialsAreIsolated() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write("alpha\nbeta\n", "words.txt", in: fixture)
        let deletes = "```python\nimport os\nos.remove('words.txt')\nprint(2)\n```"
        let counts = "```python\nprint(len(open('words.txt').read().split()))\n```"
        let (runner, _) = try runner(fixture, [deletes, counts, counts, "There are 2 words."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "How many words are in words.txt?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(FileManager.default.fileExists(atPath: fixture.workspace.url.appendingPathComponent("words.txt").path))
        #expect(summary.steps.first?.arguments["code"]?.stringValue?.contains("os.remove") == false)
        // A question's program that changes files did not work, however it agreed.
        let trials = try #require(try trialsStep(summary.id, fixture))
        #expect(trials.resultExcerpt?.hasPrefix("3 programs drawn, 2 worked") == true, "\(trials.resultExcerpt ?? "")")
        // No scratch copy is left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
        #expect(!left.contains { $0.hasPrefix("nexus-trial-") })
    }

    @Test("a trial cannot write where the run may write outside the workspace: only the copy is writable")
    func trialsWriteOnlyTheCopy() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        try write("alpha beta gamma\n", "words.txt", in: fixture)
        let leaks = "```python\nopen('\(outside.path)/log.txt', 'w').write('x')\nprint(len(open('words.txt').read().split()))\n```"
        let counts = "```python\nprint(len(open('words.txt').read().split()))\n```"
        let (runner, _) = try runner(fixture, [leaks, counts, counts, "There are 3 words."])
        var policy = CapabilityPolicy.default
        policy.readablePaths += [outside.path]
        policy.writablePaths += [outside.path]
        let summary = try #require(try await fixture.collect(runner.start(
            task: "How many words are in words.txt?", workspace: fixture.workspace.url, policy: policy)).summary)
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("log.txt").path))
        let trials = try #require(try trialsStep(summary.id, fixture))
        #expect(trials.resultExcerpt == "3 programs drawn, 2 worked in a scratch copy; #2, #3 did the same; #2 runs", "\(trials.resultExcerpt ?? "")")
    }

    @Test("for a change, a candidate that changes nothing does not work; two that write the same text agree, and one runs once for real")
    func changeTaskNeedsAChange() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write("teh cat\n", "poem.txt", in: fixture)
        let nothing = "```python\nprint('done')\n```"
        let fixes = "```python\np = open('poem.txt').read()\nopen('poem.txt', 'w').write(p.replace('teh', 'the'))\nprint('fixed')\n```"
        let rewrites = "```python\nwith open('poem.txt', 'w') as f:\n    f.write('the cat\\n\\n')\n```"
        let (runner, _) = try runner(fixture, [nothing, fixes, rewrites, "poem.txt is fixed."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Fix the typo teh in poem.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        let trials = try #require(try trialsStep(summary.id, fixture))
        #expect(trials.resultExcerpt == "3 programs drawn, 2 worked in a scratch copy; #2, #3 did the same; #2 runs", "\(trials.resultExcerpt ?? "")")
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("poem.txt"), encoding: .utf8) == "the cat\n")
        #expect(summary.steps.map(\.status) == ["ok"])
    }

    @Test("a task worded as neither a question nor a change is done by a change: two trials that made the file agree")
    func neitherQuestionNorChange() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write("one\n", "p1.txt", in: fixture)
        try write("two\n", "p2.txt", in: fixture)
        // The first joiner's last line is an expression, whose value (8) the runner prints: what
        // a change did is the files it left, not what it printed on the way.
        let joins = "```python\nopen('all.txt', 'w').write(open('p1.txt').read() + open('p2.txt').read())\n```"
        let joinsToo = "```python\nwith open('all.txt', 'w') as out:\n    for name in ['p1.txt', 'p2.txt']:\n        out.write(open(name).read())\n```"
        let (runner, _) = try runner(fixture, ["```python\nprint('p1.txt')\n```", joins, joinsToo, "all.txt holds both."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Combine p1.txt and p2.txt into all.txt", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(try String(contentsOf: fixture.workspace.url.appendingPathComponent("all.txt"), encoding: .utf8) == "one\ntwo\n")
        let trials = try #require(try trialsStep(summary.id, fixture))
        #expect(trials.resultExcerpt == "3 programs drawn, 2 worked in a scratch copy; #2, #3 did the same; #2 runs", "\(trials.resultExcerpt ?? "")")
    }

    @Test("between draws that each did something different, the earliest runs (the greedy one when it worked)")
    func tieKeepsTheEarliest() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let (runner, _) = try runner(fixture, ["```python\nprint(40 + 1)\n```", "```python\nprint(40 + 2)\n```", "```python\nprint(40 + 3)\n```", "41"])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "Which number comes out?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.first?.arguments["code"]?.stringValue == "print(40 + 1)\n")
    }

    @Test("a sampled program that worked alone does not replace a greedy one that failed: the greedy one runs and its error goes to the fix turn")
    func aLoneSampleDoesNotWin() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        try write("alpha beta\n", "words.txt", in: fixture)
        let fails = "```python\nprint(len(open('word.txt').read().split()))\n```"
        let alone = "```python\nprint(len(open('words.txt').read().split()) * 10)\n```"
        let reports = "```python\ntry:\n    open('nope.txt')\nexcept Exception as e:\n    print(f'An error occurred: {e}')\n```"
        let counts = "```python\nprint(len(open('words.txt').read().split()))\n```"
        let (runner, backend) = try runner(fixture, [fails, alone, reports, counts, counts, counts, "There are 2 words."])
        let summary = try #require(try await fixture.collect(runner.start(
            task: "How many words are in words.txt?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.status) == ["error", "ok"])
        #expect(messages(backend.requests[3]).last?.content.contains("FileNotFoundError") == true)
        let steps = try RunStore(database: fixture.database).steps(runID: summary.id).filter { $0.status == "candidates" }
        // The program that printed the error it caught did not work.
        #expect(steps.first?.resultExcerpt == "3 programs drawn, 1 worked in a scratch copy, the first not, and no two did the same; the first runs",
                "\(steps.first?.resultExcerpt ?? "")")
        #expect(summary.answer == "There are 2 words.")
    }

    @Test("when no candidate works, the first one runs and the fix turn follows as with one program")
    func noneWorks() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let fails = "```python\nprint(open('missing.txt').read())\n```"
        let (runner, backend) = try runner(fixture, [fails, fails, fails, "```python\nprint('x' * 2)\n```", "```python\nprint('y' * 2)\n```",
                                                     "```python\nprint('x' + 'x')\n```", "It prints xx."], candidates: 3)
        let summary = try #require(try await fixture.collect(runner.start(
            task: "What does the program print?", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.steps.map(\.status) == ["error", "ok"])
        let steps = try RunStore(database: fixture.database).steps(runID: summary.id).filter { $0.status == "candidates" }
        #expect(steps.first?.resultExcerpt == "3 programs drawn, none worked in a scratch copy; the first runs")
        #expect(steps.last?.resultExcerpt == "3 programs drawn, 3 worked in a scratch copy; #1, #3 did the same; #1 runs")
        // The fix turn is asked with the first program's error.
        #expect(backend.requests.count == 7)
        #expect(summary.answer == "It prints xx.")
    }
}
