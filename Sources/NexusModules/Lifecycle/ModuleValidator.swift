import Foundation
import NexusCore
import NexusStore
import NexusTools

/// Validates a module version: its manifest (schemas, capabilities, dependencies, tests), static
/// checks of its code, and its own test cases in the sandbox, each in a temporary workspace with
/// the test's files, under the default policy narrowed to the declared capabilities, against a
/// throwaway home with stand-in credentials (``ValidationScratch``).
struct ModuleValidator {
    let runtime: ModuleRuntime

    func validate(_ record: ModuleRecord) async -> ValidationReport {
        var report = ValidationReport(moduleID: record.id, name: record.name, version: record.version)
        let manifest: ModuleManifest
        do {
            manifest = try ModuleManifest(json: JSONValue.parse(record.manifest))
            report.add("manifest", "shape", passed: true, "name, version and description are well formed")
        } catch {
            report.add("manifest", "shape", passed: false, "\(error)", hint: "fix the manifest and make a new draft")
            return report
        }
        checkManifest(manifest, &report)
        await checkCode(record, manifest, &report)
        if report.passed {
            await runTests(record, manifest, &report)
        } else {
            report.add("test", "tests", passed: false, "not run: fix the problems above first", hint: "tests run once the manifest and code checks pass")
        }
        return report
    }

    private func checkManifest(_ manifest: ModuleManifest, _ report: inout ValidationReport) {
        if runtime.tools.tool(named: manifest.name) != nil {
            report.add("manifest", "name", passed: false, "'\(manifest.name)' is the name of a built-in tool", hint: "rename the module")
        }
        for (field, schema) in [("input", manifest.input), ("output", manifest.output)] {
            do {
                _ = try JSONSchema(schema)
                if field == "input", schema["type"] != "object" {
                    report.add("manifest", "input schema", passed: false, "the input schema must have \"type\": \"object\"",
                               hint: "tool arguments are a JSON object; wrap values in properties")
                } else {
                    report.add("manifest", "\(field) schema", passed: true, "a usable JSON Schema")
                }
            } catch {
                report.add("manifest", "\(field) schema", passed: false, "\(error)", hint: "see docs/modules.md for the JSON Schema keywords Nexus supports")
            }
        }
        let known = Set(runtime.tools.names)
        let modules = Set((try? runtime.modules.all().map(\.name)) ?? [])
        for tool in manifest.capabilities.tools where !known.contains(tool) && !modules.contains(tool) {
            // SERVER.TOOL is another MCP server's tool: it runs only when the caller's policy
            // allows that server and it is started, so validation cannot call it.
            if MCPServerName.server(ofTool: tool) != nil { continue }
            report.add("manifest", "capabilities.tools", passed: false, "'\(tool)' is neither a built-in tool, a module nor an MCP server's tool (SERVER.TOOL)",
                       hint: "built-in tools: \(runtime.tools.names.joined(separator: ", "))")
        }
        do {
            let resolved = try DependencyResolver(modules: runtime.modules).direct(of: manifest)
            for (name, record) in resolved {
                report.add("manifest", "dependency \(name)", passed: true, "resolves to \(record.name)@\(record.version) (nexus://\(record.id.prefix(12)))")
            }
        } catch let error as NexusError {
            report.add("manifest", "dependencies", passed: false, error.message, hint: "promote the dependency first, or change the requirement")
        } catch {
            report.add("manifest", "dependencies", passed: false, "\(error)")
        }
        if manifest.tests.isEmpty {
            report.add("manifest", "tests", passed: false, "the manifest has no test cases",
                       hint: "add \"tests\": [{\"name\": \"...\", \"input\": {...}, \"expect\": {...}}]; validation runs them in the sandbox")
        }
    }

    private func checkCode(_ record: ModuleRecord, _ manifest: ModuleManifest, _ report: inout ValidationReport) async {
        if let problem = await runtime.worker.syntaxError(in: record.code, id: record.id, module: "\(record.name)@\(record.version)") {
            report.add("static", "compiles", passed: false, problem, hint: "fix the syntax error at the line shown", kind: "compile")
            return
        }
        report.add("static", "compiles", passed: true, "Lua 5.4 text chunk")
        let findings = StaticChecker.check(code: record.code, manifest: manifest)
        for finding in findings {
            report.add("static", "line \(finding.line)", passed: false, finding.message, hint: finding.hint,
                       kind: finding.forbidden ? "forbidden" : "static")
        }
        if findings.isEmpty {
            report.add("static", "sandbox", passed: true, "uses only what the sandbox provides and the manifest declares")
        }
    }

    /// Runs the test cases against a throwaway home: its own database and ledger key for the
    /// tools that keep state (`self_modify`, `memory_store`, ...), a fresh workspace per test,
    /// stand-in values for every credential the manifest declares, and nothing of Nexus's real
    /// environment. A tool that cannot be rebuilt over the throwaway home is refused.
    private func runTests(_ record: ModuleRecord, _ manifest: ModuleManifest, _ report: inout ValidationReport) async {
        let scratch: ValidationScratch
        do {
            scratch = try ValidationScratch(tools: runtime.tools, factory: runtime.toolsForHome)
        } catch {
            report.add("test", "tests", passed: false, "cannot prepare a throwaway home for the tests: \(error)",
                       hint: "check that the temporary folder (TMPDIR) is writable")
            return
        }
        defer { scratch.remove() }
        let sandboxed = runtime.replacing(tools: scratch.tools, environment: [:])
        let standIns = Dictionary(uniqueKeysWithValues: manifest.capabilities.env.map { ($0, ValidationScratch.standIn(for: $0)) })
        for test in manifest.tests {
            let workspace = scratch.url.appendingPathComponent("workspace-\(UUID().uuidString)", isDirectory: true)
            defer { try? FileManager.default.removeItem(at: workspace) }
            do {
                try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
                for (path, text) in test.files {
                    let url = workspace.appendingPathComponent(path)
                    guard url.standardizedFileURL.path.hasPrefix(workspace.standardizedFileURL.path + "/") else {
                        throw NexusError(.invalidModule, "test file \(path) is outside the test workspace")
                    }
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(text.utf8).write(to: url)
                }
            } catch {
                report.add("test", test.name, passed: false, "cannot prepare the test workspace: \(error)")
                continue
            }
            // The policy passes no variable to commands: credentials reach the module only as
            // the test's values or stand-ins, through nexus.credential.
            let context = ToolContext(workspace: workspace.resolvingSymlinksInPath(), policy: .default)
            let env = standIns.merging(test.env) { _, given in given }
            let result = await sandboxed.run(record, input: test.input, context: context, fixture: ModuleFixture(tools: test.tools, env: env, calls: test.calls))
            var check = ValidationReport.Check(stage: "test", name: test.name, passed: false, message: "", hint: nil, kind: nil, seconds: result.seconds,
                                               instructions: result.instructions, peakMemory: result.peakMemory)
            switch (result.outcome, test.expectError) {
            case (.success(let output), nil):
                if let expected = test.expect, expected != output {
                    check.message = "returned \(output.jsonText.prefix(300)), expected \(expected.jsonText.prefix(300))"
                    check.hint = "fix the code or the test's \"expect\""
                    check.kind = "wrong_output"
                } else {
                    check.passed = true
                    check.message = "ok"
                }
            case (.success(let output), let wanted?):
                check.message = "returned \(output.jsonText.prefix(300)) but was expected to fail with \"\(wanted)\""
                check.hint = "the module should raise an error for this input"
                check.kind = "wrong_output"
            case (.failure(let failure), nil):
                check.message = failure.description
                check.hint = hint(for: failure)
                check.kind = kind(of: failure)
            case (.failure(let failure), let wanted?):
                check.passed = failure.description.contains(wanted)
                check.message = check.passed ? "failed as expected: \(failure.description)" : "failed with \"\(failure.description)\", expected a message containing \"\(wanted)\""
                check.kind = check.passed ? nil : kind(of: failure)
            }
            report.checks.append(check)
        }
        let environment = runtime.environment.merging(ProcessInfo.processInfo.environment) { runtime, _ in runtime }
        report.redact(SecretValues.of(environment, declared: manifest.capabilities.env))
    }

    private func kind(of failure: LuaFailure) -> String {
        switch failure.failure {
        case .instructionBudget, .memoryLimit, .timeLimit: "limit"
        case .refused: "forbidden"
        case .badResult: "bad_result"
        case .crashed: "crashed"
        case .error, .cancelled: "runtime"
        }
    }

    private func hint(for failure: LuaFailure) -> String {
        switch failure.failure {
        case .instructionBudget: "look for a loop that never ends, or raise limits.instructions"
        case .memoryLimit: "look for a table or string that grows without bound, or raise limits.memory_mb"
        case .timeLimit: "look for a loop or a slow tool call, or raise limits.seconds"
        case .refused: "declare what the module needs in capabilities (tools, read, write, network, env)"
        case .badResult: "return a table of strings, numbers, booleans and tables that matches the output schema"
        case .crashed: "the worker process running the code ended; simplify the code at the place the test reaches"
        case .error, .cancelled: "the error names the line in nexus://ID:LINE"
        }
    }
}
