import ArgumentParser
import Foundation
import NexusCore
import NexusMCP
import NexusModules
import NexusRuntime
import NexusStore
import NexusTools

struct ModulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules", abstract: "Lua modules: draft, validate, promote, install, roll back, share and run them.",
        discussion: "A version is named NAME, NAME@VERSION or nexus://ID. See docs/modules.md.",
        subcommands: [List.self, Show.self, New.self, Validate.self, Promote.self, Install.self, Rollback.self, Diff.self,
                      Export.self, Import.self, Run.self, Build.self, Builds.self, Approvals.self, Approve.self, Reject.self, ApprovalMode.self])

    /// The lifecycle over `$NEXUS_HOME`'s database.
    struct Home {
        let factory: AgentFactory
        let database: NexusDatabase
        let lifecycle: ModuleLifecycle
        var store: ModuleStore { ModuleStore(database: database) }

        init() throws {
            factory = AgentFactory(configuration: NexusConfiguration())
            database = try factory.database()
            lifecycle = try factory.moduleLifecycle(database: database)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every module version, with its stage and whether it is active.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let home = try Home()
            let active = Set(try home.store.activeAll().map(\.moduleID))
            let rows = try home.store.all().map { record -> (ModuleRecord, Bool?) in
                (record, try home.store.latestValidation(moduleID: record.id)?.passed)
            }
            if json {
                Output.write(JSONValue.array(rows.map { ModuleListing.summary($0, active: active.contains($0.id), validated: $1) }).jsonText + "\n")
                return
            }
            guard !rows.isEmpty else {
                Output.write("no modules yet; make a draft with `nexus modules new DIR` (see examples/modules)\n")
                return
            }
            Output.write(Table.render(header: ["NAME", "VERSION", "STAGE", "VALIDATED", "ACTIVE", "ID"], rows: rows.map { record, validated in
                [record.name, record.version, record.stage.rawValue, validated.map { $0 ? "passed" : "failed" } ?? "-",
                 active.contains(record.id) ? "*" : "", String(record.id.prefix(16))]
            }) + "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A module version: manifest, validation, provenance and code.")
        @Argument(help: "NAME, NAME@VERSION or nexus://ID.") var module: String
        @Flag(help: "Also print the Lua code.") var code = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let home = try Home()
            let record = try home.lifecycle.shown(module)
            if json {
                Output.write(try ModuleListing.detail(record, store: home.store).jsonText + "\n")
                return
            }
            let active = try home.store.active(name: record.name)?.moduleID == record.id
            let validation = try home.store.latestValidation(moduleID: record.id)
            let manifest = try JSONValue.parse(record.manifest)
            var text = "\(record.name)@\(record.version) (\(record.stage.rawValue)\(active ? ", active" : ""))\n"
            text += "id: nexus://\(record.id)\n"
            text += "description: \(manifest["description"]?.stringValue ?? "")\n"
            text += "capabilities: \(manifest["capabilities"]?.jsonText ?? "{}")\n"
            text += "dependencies: \(manifest["dependencies"]?.jsonText ?? "{}")\n"
            if let attestation = manifest["attestation"] { text += "attestation: \(attestation.jsonText)\n" }
            if let validation {
                let failed = validation.report["checks"]?.arrayValue?.filter { $0["passed"] == false }.count ?? 0
                text += "validation: \(validation.passed ? "passed" : "failed (\(failed) failing checks)")\n"
            } else {
                text += "validation: never run\n"
            }
            let graph = GraphStore(database: home.database)
            for edge in try graph.edges(from: record.id) { text += "  → \(edge.kind.rawValue) nexus://\(edge.target)\n" }
            for edge in try graph.edges(to: record.id) { text += "  ← \(edge.kind.rawValue) from nexus://\(edge.source)\n" }
            if code { text += "\n" + record.code + (record.code.hasSuffix("\n") ? "" : "\n") }
            Output.write(text)
        }
    }

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a draft from a folder holding manifest.json and module.lua.")
        @Argument(help: "The module folder.") var folder: String
        @Option(help: "The trace this module was crystallized from (trace:RUN_ID), recorded in the graph.") var crystallizedFrom: String?

        func run() async throws {
            let home = try Home()
            let (record, created) = try home.lifecycle.createDraft(folder: URL(fileURLWithPath: folder), actor: "user")
            if let trace = crystallizedFrom {
                let graph = GraphStore(database: home.database)
                let target = trace.hasPrefix("nexus://") ? String(trace.dropFirst("nexus://".count)) : trace
                guard try graph.node(id: target) != nil else {
                    throw NexusError(.notFound, "no graph node \(trace); a trace is named trace:RUN_ID (see `nexus runs list`)")
                }
                try graph.link(GraphEdge(source: record.id, kind: .crystallizedFrom, target: target))
            }
            Output.write("\(created ? "draft" : "unchanged draft") \(record.name)@\(record.version) nexus://\(record.id)\n")
            Output.write("next: nexus modules validate \(record.name)\n")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a draft (manifest, code, its own tests in the sandbox) and print the merged report.")
        @Argument(help: "NAME (the newest draft), NAME@VERSION or nexus://ID.") var module: String
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let report = try await Home().lifecycle.validate(module)
            if json {
                Output.write(report.json.jsonText + "\n")
            } else {
                var text = "\(report.name)@\(report.version) nexus://\(report.moduleID)\n"
                for check in report.checks {
                    text += "  \(check.passed ? "ok  " : "FAIL") \(check.stage): \(check.name) — \(check.message)"
                    if let instructions = check.instructions { text += " [\(instructions) instructions, \(ByteCount.text(Int64(check.peakMemory ?? 0)))]" }
                    text += "\n"
                    if let hint = check.hint { text += "       hint: \(hint)\n" }
                }
                text += report.passed ? "validated; next: nexus modules promote \(report.name)\n" : "validation failed (\(report.failures.count) problems)\n"
                Output.write(text)
            }
            if !report.passed { throw ExitCode(1) }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn a validated draft into an immutable, signed version.")
        @Argument(help: "NAME (the newest draft), NAME@VERSION or nexus://ID.") var module: String

        func run() async throws {
            let record = try Home().lifecycle.promote(module, actor: "user")
            Output.write("promoted \(record.name)@\(record.version) nexus://\(record.id)\nnext: nexus modules install \(record.name)@\(record.version)\n")
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a promoted version the active one for its name (live for the next call).")
        @Argument(help: "NAME (the highest promoted version), NAME@VERSION or nexus://ID.") var module: String

        func run() async throws {
            let home = try Home()
            let record = try home.lifecycle.find(module, preferring: .promoted)
            if try home.lifecycle.install(module, actor: "user") == nil {
                Output.write("\(record.name)@\(record.version) is already active\n")
            } else {
                Output.write("installed \(record.name)@\(record.version) nexus://\(record.id)\n")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a module's active pointer back to the version active before (or NAME@VERSION).")
        @Argument(help: "NAME or NAME@VERSION.") var module: String

        func run() async throws {
            let home = try Home()
            let install = try home.lifecycle.rollback(module, actor: "user")
            let record = try home.store.module(id: install.moduleID)
            Output.write("rolled back \(install.name) to \(record?.version ?? "?") nexus://\(install.moduleID)\n")
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two versions' manifests and code.",
            discussion: "With one NAME: the active (or highest promoted) version against the newest draft.")
        @Argument(help: "The old version (or just NAME).") var old: String
        @Argument(help: "The new version.") var new: String?

        func run() async throws {
            let home = try Home()
            let before: ModuleRecord
            let after: ModuleRecord
            if let new {
                before = try home.lifecycle.find(old, preferring: .promoted)
                after = try home.lifecycle.find(new, preferring: .draft)
            } else {
                if let active = try home.store.active(name: old), let record = try home.store.module(id: active.moduleID) {
                    before = record
                } else {
                    before = try home.lifecycle.find(old, preferring: .promoted)
                }
                after = try home.lifecycle.find(old, preferring: .draft)
            }
            let manifestBefore = try ModuleManifest(json: JSONValue.parse(before.manifest)).authored.json
            let manifestAfter = try ModuleManifest(json: JSONValue.parse(after.manifest)).authored.json
            var text = "--- \(before.name)@\(before.version) (\(before.stage.rawValue)) nexus://\(before.id.prefix(16))\n"
            text += "+++ \(after.name)@\(after.version) (\(after.stage.rawValue)) nexus://\(after.id.prefix(16))\n"
            let manifestLines = LineDiff.render(old: Self.lines(of: .object(manifestBefore)), new: Self.lines(of: .object(manifestAfter)))
            let codeLines = LineDiff.render(old: before.code.components(separatedBy: "\n"), new: after.code.components(separatedBy: "\n"))
            text += manifestLines.isEmpty ? "manifest: unchanged\n" : "manifest:\n" + manifestLines.joined(separator: "\n") + "\n"
            text += codeLines.isEmpty ? "code: unchanged\n" : "code:\n" + codeLines.joined(separator: "\n") + "\n"
            Output.write(text)
        }

        /// One line per top-level manifest key, in canonical form.
        static func lines(of manifest: JSONValue) -> [String] {
            (manifest.objectValue ?? [:]).keys.sorted().map { key in "\(key): \(CanonicalJSON.text(manifest[key]!))" }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a promoted version as a signed bundle (JSON).")
        @Argument(help: "NAME[@VERSION] (default: the active version, else the highest promoted).") var module: String
        @Option(name: .shortAndLong, help: "The bundle file (default NAME-VERSION.nexus-module.json).") var output: String?

        func run() async throws {
            let home = try Home()
            var record = try home.lifecycle.find(module, preferring: .promoted)
            if !module.contains("@"), let active = try home.store.active(name: record.name), let installed = try home.store.module(id: active.moduleID) {
                record = installed
            }
            let bundle = try ModuleBundle.export(record, ledger: home.factory.ledger(database: home.database))
            let path = output ?? "\(record.name)-\(record.version).nexus-module.json"
            do {
                try Data((bundle.jsonText + "\n").utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                throw NexusError(.ioError, "cannot write the bundle to \(path): \(error.localizedDescription)")
            }
            Output.write("exported \(record.name)@\(record.version) nexus://\(record.id) to \(path)\n")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a bundle and add its module as a draft.")
        @Argument(help: "The bundle file.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw NexusError(.ioError, "cannot read the bundle \(file); check the path")
            }
            let bundle: JSONValue
            do {
                bundle = try JSONValue.parse(data)
            } catch let error as NexusError {
                throw NexusError(.verificationFailed, "the bundle \(file) is not JSON (\(error.message)); it was not imported")
            }
            let (record, created, contents) = try Home().lifecycle.importBundle(bundle, source: file, actor: "user")
            Output.write("verified bundle of \(contents.manifest.reference) nexus://\(contents.id), signed by key \(contents.signer)\n")
            Output.write("\(created ? "draft" : "unchanged draft") \(record.name)@\(record.version) nexus://\(record.id)\nnext: nexus modules validate \(record.name)\n")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call a module as a tool, in the sandbox.",
            discussion: "NAME runs the active version; NAME@VERSION or nexus://ID runs that version (drafts too).")
        @Argument(help: "NAME, NAME@VERSION or nexus://ID.") var module: String
        @Option(help: "The input, a JSON object.") var input: String = "{}"
        @Option(help: "The folder the module's tool calls work in (default: the current folder).") var workspace: String?
        @Option(help: "A policy file (JSON or TOML); see docs/policy.md.") var policy: String?
        @OptionGroup var policyFlags: PolicyFlags
        @Flag(help: "Print the whole result (output, logs, instructions, memory) as JSON.") var json = false

        func run() async throws {
            let home = try Home()
            let value: JSONValue
            do {
                value = try JSONValue.parse(input)
            } catch let error as NexusError {
                throw NexusError(.invalidJSON, "--input is not JSON: \(error.message)")
            }
            let folder = URL(fileURLWithPath: workspace ?? FileManager.default.currentDirectoryPath).standardizedFileURL
            let base = try policy.map { try PolicyFile.load(path: $0) } ?? CapabilityPolicy.default
            let context = ToolContext(workspace: folder, policy: policyFlags.overrides.applied(to: base))
            // The MCP servers the policy names serve the module's nexus.call("SERVER.TOOL", ...).
            let mcp = try await MCPClientTools.start(home: home.factory.configuration.home, policy: context.policy,
                                                     credentials: home.factory.credentials(database: home.database))
            for problem in mcp.problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            let runtime = try home.factory.moduleRuntime(database: home.database, extraTools: mcp.tools)
            let result: ModuleCallResult
            if module.contains("@") || module.hasPrefix("nexus://") {
                result = await runtime.run(try home.lifecycle.find(module, preferring: .promoted), input: value, context: context)
            } else {
                result = await runtime.runInstalled(name: module, input: value, context: context)
            }
            await mcp.stop()
            if json {
                var object: JSONObject = ["module": result.moduleID.map(JSONValue.string) ?? .null, "logs": .array(result.logs.map(JSONValue.string)),
                                          "instructions": .number(Double(result.instructions)), "peak_memory": .number(Double(result.peakMemory)),
                                          "seconds": .number(result.seconds)]
                switch result.outcome {
                case .success(let output): object["output"] = output
                case .failure(let failure): object["error"] = .string(failure.description)
                }
                Output.write(JSONValue.object(object).jsonText + "\n")
            } else {
                for line in result.logs { FileHandle.standardError.write(Data("log: \(line)\n".utf8)) }
                if case .success(let output) = result.outcome { Output.write(output.jsonText + "\n") }
            }
            if case .failure(let failure) = result.outcome {
                throw NexusError(.moduleFailed, "module \(module) failed: \(failure.description)")
            }
        }
    }
}

/// A line diff (longest common subsequence), lines prefixed "-" and "+", unchanged lines omitted
/// except one line of context around each change.
enum LineDiff {
    static func render(old: [String], new: [String]) -> [String] {
        let n = old.count, m = new.count
        var lengths = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var rows: [(Character, String)] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j] {
                rows.append((" ", old[i])); i += 1; j += 1
            } else if j < m, i == n || lengths[i][j + 1] >= lengths[i + 1][j] {
                rows.append(("+", new[j])); j += 1
            } else {
                rows.append(("-", old[i])); i += 1
            }
        }
        guard rows.contains(where: { $0.0 != " " }) else { return [] }
        return rows.enumerated().compactMap { index, row in
            let near = rows[max(0, index - 1)...min(rows.count - 1, index + 1)].contains { $0.0 != " " }
            return row.0 != " " || near ? "\(row.0) \(row.1)" : nil
        }
    }
}
