import ArgumentParser
import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusRuntime
import NexusStore

extension ModulesCommand {
    /// `nexus modules build "DESCRIPTION" --examples FILE`: the toolsmith.
    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a module from a description and examples: the model writes it, the sandbox tests it, the model repairs it (at most 10 attempts).",
            discussion: """
                EXAMPLES is a JSON file: [{"input": {...}, "output": {...}}, ...], at least 2. Every fourth \
                (at least one) is held out: the model never sees it, and the module must pass it too. The \
                build and repair purposes of $NEXUS_HOME/gateway.json choose the models (see docs/toolsmith.md); \
                --model sends both to one model. Each attempt is kept: `nexus modules builds ID`.
                """)
        @Argument(help: "What the module does, in a sentence.") var description: String
        @Option(help: "A JSON file of examples.") var examples: String
        @Option(help: "The module's name (default: from the description).") var name: String?
        @Option(name: .shortAndLong, help: "One model for both purposes instead of gateway.json's routes.") var model: String?
        @Option(help: "Attempts in all, 1 to 10.") var maxAttempts = 10
        @Flag(help: "Print the outcome as JSON.") var json = false

        func run() async throws {
            guard (1...10).contains(maxAttempts) else {
                throw NexusError(.invalidArgument, "--max-attempts must be 1 to 10")
            }
            guard let data = FileManager.default.contents(atPath: examples) else {
                throw NexusError(.ioError, "cannot read the examples file \(examples); give a JSON file of [{\"input\": {...}, \"output\": {...}}]")
            }
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(data)
            } catch let error as NexusError {
                throw NexusError(.invalidArgument, "\(examples) is not valid JSON: \(error.message)")
            }
            let specification = try ModuleSpecification(description: description, examples: try ModuleSpecification.examples(from: parsed), name: name)
            let home = try Home()
            var toolsmith = try home.factory.toolsmith(database: home.database, model: model, fallbackApproval: .auto)
            toolsmith.maxAttempts = maxAttempts
            if !json {
                Output.error("building \(specification.name): \(specification.visible.count) examples shown, \(specification.heldOut.count) held out\n")
            }
            let quiet = json
            let outcome = try await toolsmith.build(specification, actor: AuditActor.commandLine.name, onAttempt: { attempt in
                guard !quiet else { return }
                let verdict = attempt.fingerprint.isEmpty ? "passed" : attempt.fingerprint.components(separatedBy: "|").first ?? "failed"
                Output.error("attempt \(attempt.number) (\(attempt.purpose)): \(verdict), \(attempt.passedChecks) checks passed, "
                             + "\(attempt.promptTokens + attempt.completionTokens) tokens, \(String(format: "%.1f", attempt.seconds)) s\n")
            })
            try await home.factory.audit(database: home.database).record(
                "module.built", actor: .commandLine, resource: "module:\(outcome.module ?? specification.name)",
                details: ["build": .string(outcome.buildID), "status": .string(outcome.status.rawValue), "attempts": .number(Double(outcome.attempts))])
            if json {
                Output.write(Self.json(outcome).jsonText + "\n")
            } else if outcome.status == .validated {
                let next = outcome.awaitingApproval ? "it waits for approval: nexus modules approve \(outcome.module ?? "")" : "installed; call it with nexus modules run \(specification.name)"
                Output.write("built \(outcome.module ?? "") in \(outcome.attempts) attempts (\(outcome.reason)); \(next)\n")
            } else {
                Output.write("no module: \(outcome.reason)\nsee every attempt with: nexus modules builds \(outcome.buildID)\n")
            }
            if outcome.status != .validated { throw ExitCode(1) }
        }

        static func json(_ outcome: Toolsmith.Outcome) -> JSONValue {
            var object: JSONObject = [
                "build": .string(outcome.buildID), "status": .string(outcome.status.rawValue), "reason": .string(outcome.reason),
                "attempts": .number(Double(outcome.attempts)), "prompt_tokens": .number(Double(outcome.promptTokens)),
                "completion_tokens": .number(Double(outcome.completionTokens)), "repeated_fingerprints": .number(Double(outcome.repeatedFingerprints)),
                "seconds": .number((outcome.seconds * 1000).rounded() / 1000), "awaiting_approval": .bool(outcome.awaitingApproval),
            ]
            if let module = outcome.module { object["module"] = .string(module) }
            if let id = outcome.moduleID { object["module_id"] = .string(id) }
            return .object(object)
        }
    }

    /// `nexus modules builds [ID]`: the toolsmith's builds, or one with every attempt.
    struct Builds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The toolsmith's builds, newest first; with an id, its attempts (prompt, output, report).")
        @Argument(help: "A build id.") var build: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let home = try Home()
            let store = ModuleBuildStore(database: home.database)
            guard let build else {
                let builds = try store.list()
                if json {
                    Output.write(JSONValue.array(builds.map(ModuleBuildJSON.summary)).jsonText + "\n")
                } else if builds.isEmpty {
                    Output.write("no builds yet; try nexus modules build \"DESCRIPTION\" --examples FILE\n")
                } else {
                    Output.write(Table.render(header: ["BUILD", "NAME", "STATUS", "STARTED", "REASON"], rows: builds.map {
                        [$0.id, $0.name, $0.status.rawValue, $0.startedAt.ISO8601Format(), String($0.reason.prefix(60))]
                    }) + "\n")
                }
                return
            }
            guard let found = try store.build(build) else {
                throw NexusError(.notFound, "there is no build \(build); `nexus modules builds` lists them")
            }
            if json {
                Output.write(ModuleBuildJSON.detail(found.build, found.attempts).jsonText + "\n")
                return
            }
            var text = "\(found.build.id): \(found.build.name), \(found.build.status.rawValue)\n\(found.build.reason)\n"
            for attempt in found.attempts {
                text += "\n--- attempt \(attempt.number) (\(attempt.purpose)) \(attempt.fingerprint.isEmpty ? "passed" : attempt.fingerprint)\n"
                text += attempt.output + "\n"
            }
            Output.write(text)
        }
    }
}
