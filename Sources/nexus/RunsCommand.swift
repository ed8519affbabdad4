import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List agent runs and show their traces.", subcommands: [List.self, Show.self])

    static func store(_ org: OrgOption) throws -> RunStore {
        RunStore(database: try org.database())
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The most recent runs.")
        @Option(help: "How many.") var limit = 20
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let runs = try RunsCommand.store(org).list(limit: limit)
            if json {
                Output.write(try JSONOutput.text(runs) + "\n")
                return
            }
            Output.write(Table.render(
                header: ["ID", "MODE", "STATUS", "OUTCOME", "MODEL", "TASK"],
                rows: runs.map { [$0.id, $0.mode.rawValue, $0.status.rawValue, $0.outcome?.rawValue ?? "-", $0.model, String($0.task.prefix(60))] }) + "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's steps and outcome.")
        @Argument(help: "The run id.") var id: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let store = try RunsCommand.store(org)
            guard let run = try store.run(id: id) else {
                throw NexusError(.invalidArgument, "no run '\(id)'; list runs with `nexus runs list`")
            }
            let steps = try store.steps(runID: run.id)
            if json {
                Output.write(try JSONOutput.text(["run": try JSONValue(encoding: run), "steps": try JSONValue(encoding: steps)] as JSONValue) + "\n")
                return
            }
            Output.write("""
                run      \(run.id)
                task     \(run.task)
                model    \(run.model)
                mode     \(run.mode) (confidence \(String(format: "%.2f", run.confidence))): \(run.dispatchReason.isEmpty ? "-" : run.dispatchReason)
                status   \(run.status)
                outcome  \(run.outcome?.rawValue ?? "unknown") (\(run.outcomeSource?.rawValue ?? "none"))
                tokens   \(run.promptTokens) prompt, \(run.completionTokens) generated
                answer   \(run.answer ?? "")

                """)
            for step in steps {
                let call = step.tool.map { "\($0) \(step.arguments?.jsonText ?? "{}")" } ?? "(answer)"
                Output.write("  \(step.index). \(call) → \(step.status) \(String(format: "%.2f", step.durationSeconds)) s\n")
                if let excerpt = step.resultExcerpt, !excerpt.isEmpty {
                    Output.write("     " + excerpt.split(separator: "\n").prefix(3).joined(separator: "\n     ") + "\n")
                }
            }
        }
    }
}
