import ArgumentParser
import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusMCP
import NexusStore
import NexusRuntime
import NexusTools

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Work a task to the end with tools, showing each step.",
        discussion: "Ctrl-C stops the run and keeps its trace; continue it with --resume ID.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The folder the agent works in (default: the current folder).") var workspace: String?
    @Option(help: "A policy file (JSON or TOML); see docs/policy.md.") var policy: String?
    @OptionGroup var policyFlags: PolicyFlags
    @Option(help: "Most model turns (a lower signed settings.max_steps wins).") var maxSteps: Int = 12
    @Option(help: "Continue the run with this id after a crash or Ctrl-C.") var resume: String?
    @Flag(help: "Print one JSON object at the end instead of live steps.") var json = false
    @Flag(name: .customLong("no-hope"), help: "Reason with the model only: no replayed trace, no crystallized module (a LEARNER run).")
    var noHope = false
    @Option(name: .customLong("without-check"),
            help: "Leave this answer check out (code, missing, change, stale, grounded, echo): to measure what it does over a task corpus.")
    var withoutChecks: [String] = []
    @Option(help: "Which tools the model is offered: chosen (the few the task points to) or all.") var offer: String = ToolOffer.chosen.rawValue
    @Option(help: "Turns drawn again per run when the model only repeats a failed call (0: never).") var redraws: Int = 2
    @Flag(name: .customLong("parallel-calls"), help: "Let the model make several calls in one turn, run in the order written.")
    var parallelCalls = false
    @Flag(name: .customLong("no-look-ahead"), help: "Do not read the files (or list the folders) the task names before the model's first turn.")
    var noLookAhead = false
    @Flag(name: .customLong("no-program-first"), help: "Do not ask the model for one Python program doing the whole task before its tool calls.")
    var noProgramFirst = false
    @Option(help: "Programs drawn on each program turn; each runs in a scratch copy of the workspace and the one most of the working ones agree with runs (1: the first only).")
    var programs: Int = AgentConfiguration.defaultProgramCandidates
    @Argument(help: "The task.") var task: String?

    func validate() throws {
        guard resume != nil || !(task ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw NexusError(.invalidArgument, "give a task, e.g. nexus run \"count the files here\", or --resume RUN_ID")
        }
        guard maxSteps > 0 else { throw NexusError(.invalidArgument, "--max-steps must be at least 1") }
        for name in withoutChecks where AnswerCheck(rawValue: name) == nil {
            throw NexusError(.invalidArgument, "--without-check takes one of \(AnswerCheck.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
        }
        guard ToolOffer(rawValue: offer) != nil else {
            throw NexusError(.invalidArgument, "--offer takes \(ToolOffer.allCases.map(\.rawValue).joined(separator: " or ")), not '\(offer)'")
        }
        guard (1...AgentConfiguration.maxProgramCandidates).contains(programs) else {
            throw NexusError(.invalidArgument, "--programs takes 1 to \(AgentConfiguration.maxProgramCandidates), not \(programs)")
        }
        guard (0...10).contains(redraws) else { throw NexusError(.invalidArgument, "--redraws takes 0 to 10, not \(redraws)") }
    }

    /// The loop's strategies as the options set them.
    var agentConfiguration: AgentConfiguration {
        var agent = AgentConfiguration(maxSteps: maxSteps)
        agent.answerChecks.subtract(withoutChecks.compactMap(AnswerCheck.init(rawValue:)))
        agent.toolOffer = ToolOffer(rawValue: offer) ?? .chosen
        agent.maxRedraws = redraws
        agent.parallelCalls = parallelCalls
        agent.looksAhead = !noLookAhead
        agent.writesProgramFirst = !noProgramFirst
        agent.programCandidates = programs
        return agent
    }

    func run() async throws {
        let configuration = NexusConfiguration()
        let factory = AgentFactory(configuration: configuration)
        let database = try factory.database()
        // With a gateway.json and no --model, the run takes the agent purpose's routes.
        let backend = try await modelOptions.backend(for: .agent, database: database, load: false)
        var hope = configuration.hope
        if noHope { hope.enabled = false }
        var agent = agentConfiguration
        agent.hope = hope
        let runPolicy = try resume.map { try storedPolicy(of: $0, database: database) }
            ?? policyFlags.overrides.applied(to: try policy.map { try PolicyFile.load(path: $0) } ?? CapabilityPolicy.default)
        let folder = try resume == nil ? workspaceFolder(workspace) : nil
        // The MCP servers the policy names are started for this run and stopped after it.
        let mcp = try await MCPClientTools.start(home: configuration.home, policy: runPolicy, credentials: factory.credentials(database: database))
        for problem in mcp.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        let runner = try factory.runner(backend: backend, database: database, agent: agent, extraTools: mcp.tools)
        let events: AsyncThrowingStream<AgentEvent, any Error>
        if let folder {
            events = runner.start(task: task ?? "", workspace: folder, policy: runPolicy)
        } else {
            events = runner.resume(runID: resume ?? "")
        }
        let printer = StepPrinter(json: json)
        // Ctrl-C cancels the run; the loop saves its state before it returns.
        let interrupt = InterruptHandler()
        let consumer = Task {
            for try await event in events {
                printer.show(event)
            }
        }
        interrupt.onInterrupt { consumer.cancel() }
        let finished = await consumer.result
        await mcp.stop()
        try finished.get()
        if let summary = printer.summary, summary.status != .completed {
            throw ExitCode(summary.status == .cancelled ? 130 : 2)
        }
    }
}

extension RunCommand {
    /// The policy a run was started under, to resume it with the same MCP servers.
    private func storedPolicy(of runID: String, database: NexusDatabase) throws -> CapabilityPolicy {
        guard let record = try RunStore(database: database).run(id: runID) else {
            throw NexusError(.notFound, "there is no run \(runID) to resume; list runs with nexus runs list")
        }
        return (try? record.policy.decoded(as: CapabilityPolicy.self)) ?? .default
    }
}

/// Shows a run's events as lines a person can follow, or its summary as JSON.
final class StepPrinter: @unchecked Sendable {
    private let json: Bool
    private(set) var summary: RunSummary?

    init(json: Bool) { self.json = json }

    func show(_ event: AgentEvent) {
        switch event {
        case .started(let id, let task, let resumed):
            if !json { Output.write("\(resumed ? "resuming" : "run") \(id): \(task)\n") }
        case .dispatched(let mode, let confidence, let reason):
            if !json { Output.write("mode \(mode.rawValue.uppercased()) (confidence \(String(format: "%.2f", confidence))): \(reason)\n") }
        case .thinking:
            break
        case .toolCall(let step, let call, _):
            if !json { Output.write("step \(step) → \(call.name) \(call.arguments.jsonText)\n") }
        case .toolResult(_, _, let result, let seconds):
            if !json {
                let firstLines = result.content.split(separator: "\n", omittingEmptySubsequences: false).prefix(6).joined(separator: "\n      ")
                Output.write("    \(result.status.rawValue) (\(String(format: "%.2f", seconds)) s): \(firstLines)\n")
            }
        case .finished(let summary):
            self.summary = summary
            if json {
                Output.write(((try? JSONOutput.text(summary)) ?? "{}") + "\n")
            } else {
                Output.write("\(summary.status): \(summary.answer)\n")
                Output.write("(\(summary.mode), \(summary.steps.count) tool calls, \(summary.promptTokens) prompt + \(summary.completionTokens) generated tokens, \(String(format: "%.1f", summary.seconds)) s; trace: nexus runs show \(summary.id))\n")
            }
        }
    }
}

/// The policy flags every agent command shares.
struct PolicyFlags: ParsableArguments {
    @Option(name: .customLong("allow-read"), help: "Also allow reading beneath this path.") var read: [String] = []
    @Option(name: .customLong("allow-write"), help: "Also allow writing beneath this path.") var write: [String] = []
    @Option(name: .customLong("allow-command"), help: "Also allow this command.") var commands: [String] = []
    @Flag(name: .customLong("allow-any-command"), help: "Allow every command.") var anyCommand = false
    @Option(name: .customLong("allow-host"), help: "Allow network access to HOST or HOST:PORT.") var hosts: [String] = []
    @Option(name: .customLong("pass-env"), help: "Pass this environment variable to tool processes.") var environment: [String] = []
    @Option(name: .customLong("max-output-kb"), help: "Most kilobytes of output kept from one tool call.") var maxOutputKB: Int?
    @Option(name: .customLong("allow-mcp"), help: "Allow the tools of this MCP server of $NEXUS_HOME/mcp.json (see docs/mcp.md).") var mcpServers: [String] = []

    var overrides: PolicyOverrides {
        PolicyOverrides(read: read, write: write, commands: commands, anyCommand: anyCommand, hosts: hosts, environment: environment,
                        maxOutputKB: maxOutputKB, mcpServers: mcpServers)
    }

    func validate() throws {
        try overrides.validate()
    }
}
