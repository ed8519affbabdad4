import Foundation
import NexusCore
import NexusTesting
import Testing

/// The example modules taken through the whole lifecycle with the `nexus` binary.
@Suite("nexus modules, graph, verify", .serialized)
struct ModulesCLITests {
    static var examples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/modules")
    }

    /// Runs nexus and expects success.
    @discardableResult
    static func nexus(_ arguments: [String], home: URL, directory: URL? = nil, environment: [String: String] = [:]) throws -> NexusProcess.Output {
        let output = try NexusProcess.run(arguments, home: home, directory: directory, environment: environment)
        #expect(output.status == 0, "nexus \(arguments.joined(separator: " ")): \(output.stderr)")
        return output
    }

    static func release(_ name: String, home: URL) throws {
        try nexus(["modules", "new", examples.appendingPathComponent(name).path], home: home)
        let report = try nexus(["modules", "validate", name], home: home)
        #expect(report.stdout.contains("validated"))
        try nexus(["modules", "promote", name], home: home)
        try nexus(["modules", "install", name], home: home)
    }

    @Test("every example goes draft → validated → promoted → installed and runs; a new version rolls back instantly")
    func examplesLifecycle() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let workspace = home.url.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try Data("city,people\nOslo,700000\nBergen,290000\n".utf8).write(to: workspace.appendingPathComponent("cities.csv"))
        try Data("the quick brown fox".utf8).write(to: workspace.appendingPathComponent("fox.txt"))

        // A draft is never installable.
        try Self.nexus(["modules", "new", Self.examples.appendingPathComponent("csv").path], home: home.url)
        let early = try NexusProcess.run(["modules", "install", "csv@1.0.0"], home: home.url)
        #expect(early.status != 0)
        #expect(early.stderr.contains("drafts are never installable"))

        for name in ["csv", "csv_summary", "word_count", "http_json"] { try Self.release(name, home: home.url) }
        let listed = try JSONValue.parse(try Self.nexus(["modules", "list", "--json"], home: home.url).stdout)
        let active = (listed.arrayValue ?? []).filter { $0["active"] == true }.compactMap { $0["name"]?.stringValue }
        #expect(Set(active) == ["csv", "csv_summary", "word_count", "http_json"])

        let summary = try JSONValue.parse(try Self.nexus(["modules", "run", "csv_summary", "--input", #"{"path": "cities.csv"}"#], home: home.url, directory: workspace).stdout)
        #expect(summary["rows"] == 2)
        #expect(summary["columns"]?["people"]?["max"] == 700000)
        let words = try JSONValue.parse(try Self.nexus(["modules", "run", "word_count"], home: home.url, directory: workspace).stdout)
        #expect(words == ["files": ["fox.txt": 4], "total": 4])

        // Version 1.1.0 of word_count counts lines instead; install it, then roll back.
        let edited = home.url.appendingPathComponent("word_count")
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("word_count"), to: edited)
        let manifestURL = edited.appendingPathComponent("manifest.json")
        let manifest = try String(contentsOf: manifestURL, encoding: .utf8).replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "1.1.0""#)
        try manifest.write(to: manifestURL, atomically: true, encoding: .utf8)
        let codeURL = edited.appendingPathComponent("module.lua")
        let code = try String(contentsOf: codeURL, encoding: .utf8).replacingOccurrences(of: "count = count + 1", with: "count = count + 2")
        try code.write(to: codeURL, atomically: true, encoding: .utf8)
        try Self.nexus(["modules", "new", edited.path], home: home.url)
        let diff = try Self.nexus(["modules", "diff", "word_count"], home: home.url).stdout
        #expect(diff.contains("- version: \"1.0.0\""))
        #expect(diff.contains("+     for _ in text:gmatch(\"%S+\") do count = count + 2 end"))
        // Validation runs the module's own tests, which now fail.
        let failing = try NexusProcess.run(["modules", "validate", "word_count"], home: home.url)
        #expect(failing.status != 0)
        #expect(failing.stdout.contains("FAIL test: every text file"))
        let refused = try NexusProcess.run(["modules", "promote", "word_count"], home: home.url)
        #expect(refused.stderr.contains("failed validation"))

        let rolled = try NexusProcess.run(["modules", "rollback", "word_count"], home: home.url)
        #expect(rolled.status != 0, "nothing earlier to roll back to")

        let verify = try Self.nexus(["verify", "--proof", "3"], home: home.url)
        #expect(verify.stdout.contains("inclusion: verified"))
        #expect(verify.stdout.hasPrefix("ok: 9 ledger entries"))
    }

    @Test("install a second version, roll back, export, import elsewhere, and show the graph")
    func rollbackExportImport() throws {
        let home = try TemporaryDirectory()
        let other = try TemporaryDirectory()
        defer { home.remove(); other.remove() }
        try Self.release("csv", home: home.url)
        let v2 = home.url.appendingPathComponent("csv")
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("csv"), to: v2)
        let manifestURL = v2.appendingPathComponent("manifest.json")
        try String(contentsOf: manifestURL, encoding: .utf8).replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "1.0.1""#)
            .write(to: manifestURL, atomically: true, encoding: .utf8)
        try Self.release(v2.path, home: home.url, name: "csv")
        var shown = try JSONValue.parse(try Self.nexus(["modules", "show", "csv", "--json"], home: home.url).stdout)
        #expect(shown["version"] == "1.0.1" && shown["active"] == true)
        try Self.nexus(["modules", "rollback", "csv"], home: home.url)
        shown = try JSONValue.parse(try Self.nexus(["modules", "show", "csv@1.0.0", "--json"], home: home.url).stdout)
        #expect(shown["active"] == true && shown["stage"] == "promoted")
        let run = try Self.nexus(["modules", "run", "csv", "--input", #"{"text": "x\n1\n"}"#], home: home.url)
        #expect(run.stdout.contains(#""rows":[["1"]]"#))

        let bundle = home.url.appendingPathComponent("csv.bundle.json").path
        try Self.nexus(["modules", "export", "csv@1.0.1", "--output", bundle], home: home.url)
        let imported = try Self.nexus(["modules", "import", bundle], home: other.url)
        #expect(imported.stdout.contains("verified bundle of csv@1.0.1"))
        let otherList = try JSONValue.parse(try Self.nexus(["modules", "list", "--json"], home: other.url).stdout)
        #expect(otherList.arrayValue?.map { $0["stage"] } == ["draft"])

        var text = try String(contentsOfFile: bundle, encoding: .utf8)
        text = text.replacingOccurrences(of: "M.parse(input.text)", with: "M.parse(input.text .. 'x')")
        try text.write(toFile: bundle, atomically: true, encoding: .utf8)
        let altered = try NexusProcess.run(["modules", "import", bundle], home: other.url)
        #expect(altered.status != 0)
        #expect(altered.stderr.contains("was not imported"))

        let id = try #require(shown["id"]?.stringValue)
        let graph = try Self.nexus(["graph", "show", "nexus://\(id.prefix(12))"], home: home.url).stdout
        #expect(graph.contains("derived_from → nexus://"))
        #expect(graph.contains("signed_by → nexus://key:"))
        #expect(graph.contains("replaces ← nexus://"))
    }

    @Test("verify fails loudly, naming the module, after its code is altered with raw SQL")
    func tamperedDatabase() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try Self.release("word_count", home: home.url)
        try Self.nexus(["verify"], home: home.url)
        let database = home.url.appendingPathComponent("nexus.db").path
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [database, "DROP TRIGGER module_versions_no_update; UPDATE module_versions SET code = code || ' ' WHERE stage = 'promoted';"]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0)
        let verify = try NexusProcess.run(["verify"], home: home.url)
        #expect(verify.status != 0)
        #expect(verify.stdout.contains("FAIL module word_count@1.0.0"))
        #expect(verify.stderr.contains("verification failed"))
        let run = try NexusProcess.run(["modules", "run", "word_count"], home: home.url)
        #expect(run.status != 0)
        #expect(run.stderr.contains("no longer match its content id"))
    }

    @Test("http_json reaches a loopback API with the credential the policy passes; the agent calls a module like a built-in")
    func credentialAndAgent() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try Self.release("http_json", home: home.url)
        try Self.release("word_count", home: home.url)

        let server = try LoopbackJSONServer(token: "s3cret")
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/items"
        let arguments = ["modules", "run", "http_json", "--input", #"{"url": "\#(url)"}"#, "--allow-host", "127.0.0.1"]
        let withoutPolicy = try NexusProcess.run(arguments, home: home.url, environment: ["NEXUS_EXAMPLE_TOKEN": "s3cret"])
        #expect(withoutPolicy.status != 0)
        #expect(withoutPolicy.stderr.contains("does not pass 'NEXUS_EXAMPLE_TOKEN'"))
        let fetched = try Self.nexus(arguments + ["--pass-env", "NEXUS_EXAMPLE_TOKEN"], home: home.url, environment: ["NEXUS_EXAMPLE_TOKEN": "s3cret"])
        #expect(try JSONValue.parse(fetched.stdout) == ["status": 200, "data": ["items": ["apple", "pear"]]])
        let wrong = try NexusProcess.run(arguments + ["--pass-env", "NEXUS_EXAMPLE_TOKEN"], home: home.url, environment: ["NEXUS_EXAMPLE_TOKEN": "nope"])
        #expect(wrong.stderr.contains("401"))

        let workspace = home.url.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try Data("one two three".utf8).write(to: workspace.appendingPathComponent("a.txt"))
        let script = home.url.appendingPathComponent("script.json")
        try Data(#"{"responses": ["<tool_call>{\"name\": \"word_count\", \"arguments\": {}}</tool_call>", "There are 3 words."]}"#.utf8).write(to: script)
        let run = try Self.nexus(["run", "--model", "script:\(script.path)", "--workspace", workspace.path, "count the words"], home: home.url)
        #expect(run.stdout.contains("→ word_count {}"))
        #expect(run.stdout.contains(#"ok"#) && run.stdout.contains(#""total":3"#))
    }
}

extension ModulesCLITests {
    static func release(_ folder: String, home: URL, name: String) throws {
        try nexus(["modules", "new", folder], home: home)
        try nexus(["modules", "validate", name], home: home)
        try nexus(["modules", "promote", name], home: home)
        try nexus(["modules", "install", name], home: home)
    }
}

/// A JSON API on 127.0.0.1 (a small Python server) that wants `Authorization: Bearer TOKEN`.
final class LoopbackJSONServer {
    let process = Process()
    let port: Int

    init(token: String) throws {
        let source = """
            import http.server, json, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = self.headers.get("Authorization") == "Bearer \(token)"
                    body = json.dumps({"items": ["apple", "pear"]} if ok else {"error": "bad token"}).encode()
                    self.send_response(200 if ok else 401)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", source]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw NexusError(.ioError, "the loopback server did not start")
        }
        self.port = port
    }

    /// SIGKILL: a test process may ignore SIGTERM, and children inherit that.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
