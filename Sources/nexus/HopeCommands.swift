import ArgumentParser
import Foundation
import NexusAgent
import NexusCore
import NexusRuntime
import NexusStore
import NexusTools

/// `nexus traces list|show`: what HOPE has learned, how often it was reused, and what it saved.
struct TracesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traces", abstract: "Execution traces: usage, success, modes and savings.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The most recent traces.")
        @Option(help: "How many.") var limit = 20
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let store = TraceStore(database: try org.database())
            let rows = try store.list(limit: limit).map { trace in (trace, try store.reuse(of: trace.runID)) }
            if json {
                Output.write(JSONValue.array(rows.map { trace, reuse in
                    ["run_id": .string(trace.runID), "task": .string(trace.task), "signature": .string(trace.signature), "mode": .string(trace.mode.rawValue),
                     "uses": .number(Double(reuse?.uses ?? 1)), "success_rate": .number(reuse?.successRate ?? 0),
                     "tokens": .number(Double(trace.promptTokens + trace.completionTokens)),
                     "crystallized_into": trace.crystallizedInto.map(JSONValue.string) ?? .null,
                     "demoted_because": trace.demotedBecause.map(JSONValue.string) ?? .null]
                }).jsonText + "\n")
                return
            }
            Output.write(Table.render(
                header: ["RUN", "MODE", "USES", "SUCCESS", "TOKENS", "MODULE", "TASK"],
                rows: rows.map { trace, reuse in
                    [trace.runID, trace.mode.rawValue + (trace.demotedBecause == nil ? "" : " (demoted)"), "\(reuse?.uses ?? 1)", String(format: "%.0f%%", (reuse?.successRate ?? 0) * 100),
                     "\(trace.promptTokens + trace.completionTokens)", trace.crystallizedInto ?? "-", String(trace.task.prefix(50))]
                }) + "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A trace: its program, its reuse, the modes its task shape ran in, what it saved.")
        @Argument(help: "The run id of the trace.") var id: String
        @OptionGroup var org: OrgOption

        func run() async throws {
            let database = try org.database()
            let store = TraceStore(database: database)
            guard let run = try RunStore(database: database).run(matching: id), let trace = try store.trace(runID: run.id),
                  let reuse = try store.reuse(of: run.id) else {
                throw NexusError(.invalidArgument, "no trace '\(id)'; list traces with `nexus traces list`")
            }
            let history = try store.traces(signature: trace.signature, limit: 200).reversed()
            let modelFree = history.filter { $0.mode == HopeMode.follower || $0.mode == HopeMode.crystallized }
            let learnerTokens = history.filter { $0.mode == HopeMode.learner }.map { $0.promptTokens + $0.completionTokens }
            let averageLearner = learnerTokens.isEmpty ? 0 : learnerTokens.reduce(0, +) / learnerTokens.count
            Output.write("""
                trace      \(trace.runID) (\(trace.mode))
                task       \(trace.task)
                shape      \(trace.signature)
                tools      \(trace.toolSequence.joined(separator: " → "))
                cost       \(trace.promptTokens) prompt + \(trace.completionTokens) generated tokens, \(String(format: "%.1f", trace.wallSeconds)) s
                reuse      \(reuse.uses) uses, \(reuse.successes) succeeded (\(String(format: "%.0f", reuse.successRate * 100)) %)
                module     \(trace.crystallizedInto ?? "not crystallized")
                replay     \(trace.demotedBecause.map { "demoted: \($0); not followed, its module not run" } ?? "followed when a task of this shape matches")
                savings    \(modelFree.count) runs of this shape without the model, about \(modelFree.count * averageLearner) model tokens saved

                """)
            if let program = try await Dispatcher(database: database, tools: try AgentFactory(configuration: NexusConfiguration()).builtInTools(database: database),
                                            thresholds: HopeThresholds()).program(of: trace) {
                Output.write("program (parameters: \(program.parameterNames.joined(separator: ", ")))\n")
                for (index, step) in program.steps.enumerated() {
                    Output.write("  \(index + 1). \(step.tool) \(step.arguments)\n")
                }
                Output.write("  answer: \(program.answer)\n")
            }
            if let conditions = trace.postConditions {
                Output.write("post-conditions (a replay checks these on its own end state, mapped to its task):\n")
                for file in conditions.files {
                    let text = file.text.map { " holding \(JSONValue.string($0).jsonText)" } ?? file.contains.map { " containing \(JSONValue.string($0).jsonText)" } ?? ""
                    Output.write("  \(file.path): \(file.state.rawValue)\(text)\(file.fromTask ? " (from the task)" : "")\n")
                }
                for value in conditions.answer {
                    Output.write("  answer states \(value.value): \(value.source == "nowhere" ? "shown by no result" : "from the " + value.source)\n")
                }
            }
            for demotion in try store.demotions(of: trace.runID) {
                let module = demotion.module.map { "; module \($0): \(demotion.moduleAction)" } ?? ""
                Output.write("demoted    \(Self.time(demotion.demotedAt)): \(demotion.reason)\(module)\n")
                if let lifted = demotion.liftedAt {
                    Output.write("promoted   \(Self.time(lifted)): \(demotion.liftReason ?? "")\n")
                }
            }
            Output.write("modes of this task shape, oldest first:\n")
            for past in history {
                Output.write("  \(past.runID)  \(past.mode.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(past.outcome?.rawValue ?? "unknown")  \(past.promptTokens + past.completionTokens) tokens  \(String(format: "%.2f", past.wallSeconds)) s\n")
            }
        }

        static func time(_ date: Date) -> String {
            ISO8601DateFormatter().string(from: date)
        }
    }
}

/// `nexus feedback RUN good|bad`: judge a run. `bad` on a run that replayed a trace or ran its
/// module demotes the trace and rolls its module back; repeated `good` promotes it again.
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "Judge a run's outcome: good or bad.",
        discussion: "bad on a FOLLOWER or CRYSTALLIZED run demotes the trace it replayed (no longer followed) and rolls its module back; good outcomes of later runs promote it again.")
    @Argument(help: "The run id.") var id: String
    @Argument(help: "good or bad.") var verdict: String
    @OptionGroup var org: OrgOption

    func run() async throws {
        guard ["good", "bad"].contains(verdict) else {
            throw NexusError(.invalidArgument, "the verdict must be good or bad, not '\(verdict)'")
        }
        let factory = AgentFactory(configuration: NexusConfiguration())
        let database = try org.database(factory)
        guard let run = try RunStore(database: database).run(matching: id) else {
            throw NexusError(.invalidArgument, "no run '\(id)'; list runs with `nexus runs list`")
        }
        // Without a usable ledger key the trace is still demoted; its module is passed over instead.
        let feedback = HopeFeedback(database: database, lifecycle: try? factory.moduleLifecycle(database: database))
        let outcome = try feedback.judge(runID: run.id, good: verdict == "good", actor: "cli")
        Output.write(outcome.lines.joined(separator: "\n") + "\n")
    }
}

/// `nexus crystallize [TRACE]`: compile proven traces into modules.
struct CrystallizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crystallize", abstract: "Compile proven traces into modules that run without the model.",
        discussion: "With a trace, compiles that one; without, every candidate (used ≥ 5 times, ≥ 95 % success). --list only lists candidates.")
    @Argument(help: "The run id of a trace.") var trace: String?
    @Flag(help: "List the candidates, compile nothing.") var list = false
    @Option(help: "The model asked to generalize a step the recorded runs disagree on (default: the default model; loaded only when asked).")
    var model: String?
    @Flag(help: "Generalize from the recorded runs alone, never asking a model.") var noModel = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let configuration = NexusConfiguration()
        let factory = AgentFactory(configuration: configuration)
        let database = try factory.database()
        var crystallizer = Crystallizer(database: database, lifecycle: try factory.moduleLifecycle(database: database))
        crystallizer.approval = try ModuleApprovalStore(database: database).mode(fallback: .auto)
        if !noModel {
            // Without a model named, a missing default model only means no step is asked about.
            let backends = BackendFactory(configuration: configuration)
            let engine = backends.engineConfiguration(slots: 1)
            if let routed = try factory.routedBackend(model: model, purpose: .generalize, database: database) {
                crystallizer.model = routed
            } else {
                crystallizer.model = model == nil ? try? backends.deferredBackend(for: nil, engine: engine) : try backends.deferredBackend(for: model, engine: engine)
            }
        }
        if list {
            let candidates = try crystallizer.candidates()
            Output.write(Table.render(
                header: ["RUN", "USES", "SUCCESS", "PRIORITY", "REPLACES", "TASK"],
                rows: candidates.map { [$0.reuse.trace.runID, "\($0.reuse.uses)", String(format: "%.0f%%", $0.reuse.successRate * 100),
                                        String(format: "%.1f", $0.priority), $0.replaces ?? "-", String($0.reuse.trace.task.prefix(50))] }) + "\n")
            return
        }
        var outcomes: [Result<Crystallizer.Outcome, NexusError>]
        if let trace {
            guard let run = try RunStore(database: database).run(matching: trace) else {
                throw NexusError(.invalidArgument, "no trace '\(trace)'; list traces with `nexus traces list`")
            }
            outcomes = [.success(try await crystallizer.crystallize(runID: run.id, actor: "cli"))]
        } else {
            outcomes = try await crystallizer.crystallizeCandidates(limit: 100, actor: "cli")
        }
        if json {
            Output.write(JSONValue.array(outcomes.map { outcome in
                switch outcome {
                case .success(let made):
                    ["trace": .string(made.traceRunID), "module": .string(made.module), "id": .string(made.moduleID),
                     "tested_runs": .number(Double(made.testedRuns)), "replaced": made.replaced.map(JSONValue.string) ?? .null,
                     "generalized_by_runs": .number(Double(made.generalizedByExamples)),
                     "generalized_by_model": .number(Double(made.generalizedByModel)),
                     "model_tokens": .number(Double(made.modelTokens)), "awaiting_approval": .bool(made.awaitingApproval)]
                case .failure(let error): ["error": .string(error.message)]
                }
            }).jsonText + "\n")
            return
        }
        if outcomes.isEmpty { Output.write("no trace is ready to crystallize (see `nexus crystallize --list`)\n") }
        for outcome in outcomes {
            switch outcome {
            case .success(let made):
                let values = made.generalizedByExamples + made.generalizedByModel
                let generalized = values == 0 ? "" : "; \(values) value\(values == 1 ? "" : "s") generalized across recorded runs (\(made.generalizedByModel) by the model)"
                let spent = made.modelTokens == 0 ? "" : "; \(made.modelTokens) model tokens"
                let state = made.awaitingApproval ? "waiting for approval: `nexus modules approve \(made.module)`" : "installed"
                Output.write("trace \(made.traceRunID) → \(made.module) (validated on \(made.testedRuns) recorded runs, \(state)\(generalized)\(spent)\(made.replaced.map { "; replaces \($0)" } ?? ""))\n")
            case .failure(let error):
                Output.write("not crystallized: \(error.message)\n")
            }
        }
    }
}

/// `nexus export sft`: successful traces as training data.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export traces as training data.", subcommands: [SFT.self])

    struct SFT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sft", abstract: "Completed runs as chat-format JSONL with tool calls (one conversation per line).")
        @Flag(help: "Only runs judged a success.") var successOnly = false
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var org: OrgOption

        func run() async throws {
            let factory = AgentFactory(configuration: NexusConfiguration())
            let database = try org.database(factory)
            let lines = try TrainingExport.lines(database: database, successOnly: successOnly, definitions: try factory.tools(database: database).definitions)
            let text = lines.map { $0 + "\n" }.joined()
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw NexusError(.invalidArgument, "cannot write \(output): \(error.localizedDescription)")
                }
                FileHandle.standardError.write(Data("wrote \(lines.count) conversations to \(output)\n".utf8))
            } else {
                Output.write(text)
            }
        }
    }
}

/// `nexus teach "TASK"`: a person records the trace by calling the tools.
struct TeachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teach", abstract: "Record a trace by calling the tools yourself; Nexus then repeats it without the model.",
        discussion: """
            Reads lines from standard input: `TOOL {JSON arguments}` calls a tool (under the policy, like the agent), \
            `answer TEXT` ends the run with its final answer. Example:
              printf 'filesystem_read {"path": "notes.txt"}\\nanswer notes.txt has 3 lines\\n' | nexus teach "How many lines does notes.txt have?"
            """)
    @Option(help: "The folder the tools work in (default: the current folder).") var workspace: String?
    @Option(help: "A policy file (JSON or TOML); see docs/policy.md.") var policy: String?
    @OptionGroup var policyFlags: PolicyFlags
    @Flag(help: "Print one JSON object at the end instead of live steps.") var json = false
    @Argument(help: "The task being taught.") var task: String

    func run() async throws {
        let configuration = NexusConfiguration()
        let factory = AgentFactory(configuration: configuration)
        let database = try factory.database()
        let folder = try workspaceFolder(workspace)
        let base = try policy.map { try PolicyFile.load(path: $0) } ?? CapabilityPolicy.default
        let noModel = DeferredBackend(modelName: "teacher") {
            throw NexusError(.invalidArgument, "teaching calls no model")
        }
        let runner = try factory.runner(backend: noModel, database: database, agent: AgentConfiguration())
        let (inputs, continuation) = AsyncStream<TeachingInput>.makeStream()
        let reader = Task.detached {
            var number = 0
            while let line = readLine() {
                number += 1
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || text.hasPrefix("#") { continue }
                if text == "answer" || text.hasPrefix("answer ") {
                    continuation.yield(.answer(String(text.dropFirst(6)).trimmingCharacters(in: .whitespaces)))
                    break
                }
                let tool = String(text.prefix { !$0.isWhitespace })
                let rest = text.dropFirst(tool.count).trimmingCharacters(in: .whitespaces)
                guard let arguments = try? JSONValue.parse(rest.isEmpty ? "{}" : rest), arguments.objectValue != nil else {
                    FileHandle.standardError.write(Data("line \(number): expected TOOL {JSON arguments} or answer TEXT; skipped\n".utf8))
                    continue
                }
                continuation.yield(.call(tool: tool, arguments: arguments))
            }
            continuation.finish()
        }
        let printer = StepPrinter(json: json)
        for try await event in runner.teach(task: task, workspace: folder, policy: policyFlags.overrides.applied(to: base), inputs: inputs) {
            printer.show(event)
        }
        reader.cancel()
        if let summary = printer.summary, summary.status != .completed {
            Output.write("no answer was given: the run was kept as cancelled and will not be followed\n")
            throw ExitCode(2)
        }
    }
}
