import ArgumentParser
import Foundation
import NexusCore
import NexusModules
import NexusRuntime
import NexusStore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the signed ledger, its checkpoints, and every module's bytes against its content id.",
        discussion: "Exits 1 and names each entry, checkpoint or module that does not verify.")

    @Option(help: "Also print the RFC 6962 inclusion proof of ledger entry N.") var proof: Int?
    @Flag(help: "Print the signed head (JSON, one line) for a witness to keep outside this machine.") var head = false
    @Option(help: "Check the log against a head a witness kept (a file printed by --head earlier), with its consistency proof.")
    var witness: String?
    @Flag(help: "Write the signed head from a log that verifies (once, for a home made before heads existed).") var seal = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let configuration = NexusConfiguration()
        let database = try AgentFactory(configuration: configuration).database()
        let verifier = LedgerVerifier(database: database, home: configuration.home)
        if seal {
            let sealed = try verifier.seal()
            Output.write("sealed: the signed head now covers \(sealed.treeSize) entries (root \(sealed.rootHash))\n")
            return
        }
        let witnessHead = try witness.map { path -> LedgerHead in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NexusError(.invalidArgument, "cannot read the witness head \(path); give a file printed by `nexus verify --head`")
            }
            return try LedgerHead(text: String(decoding: data, as: UTF8.self), source: path)
        }
        let report = try verifier.verify(witness: witnessHead)
        if head {
            guard report.passed, let stored = report.head else {
                throw NexusError(.verificationFailed, "no head is printed for a ledger that does not verify: \(report.problems.first ?? "it has no signed head yet")")
            }
            Output.write(stored.json.jsonText + "\n")
            return
        }
        let consistency = try witnessHead.map { try verifier.consistencyProof(from: $0) }
        let inclusion = try proof.map { try verifier.inclusionProof(position: $0) }
        if json {
            var object: JSONObject = [
                "passed": .bool(report.passed), "problems": .array(report.problems.map(JSONValue.string)), "notes": .array(report.notes.map(JSONValue.string)),
                "entries": .number(Double(report.entries)), "checkpoints": .number(Double(report.checkpoints)),
                "modules": .number(Double(report.modules)), "self_modifications": .number(Double(report.selfModifications)),
                "audit_events": .number(Double(report.auditEvents)),
                "root": .string(report.root), "key": report.currentKey.map(JSONValue.string) ?? .null,
            ]
            if let witnessHead, let consistency {
                object["witness"] = ["tree_size": .number(Double(witnessHead.treeSize)), "root": .string(witnessHead.rootHash),
                                     "consistency_path": .array(consistency.map(JSONValue.string))]
            }
            if let inclusion {
                object["proof"] = ["entry": .number(Double(inclusion.entry.position)), "tree_size": .number(Double(inclusion.treeSize)),
                                   "leaf_hash": .string(inclusion.leafHash), "path": .array(inclusion.path.map(JSONValue.string)),
                                   "root": .string(inclusion.root), "verified": .bool(inclusion.verified)]
            }
            Output.write(JSONValue.object(object).jsonText + "\n")
        } else {
            var text = ""
            for problem in report.problems { text += "FAIL \(problem)\n" }
            for note in report.notes { text += "note: \(note)\n" }
            if report.passed {
                text += "ok: \(report.entries) ledger entries and \(report.checkpoints) checkpoints verify under key \(report.currentKey ?? "(none yet)"); \(report.modules) module versions match their ids; \(report.selfModifications) self-modifications checked; \(report.auditEvents) audit events chained to their signed head\n"
                text += "root: \(report.root)\n"
                if let stored = report.head { text += "signed head: \(stored.treeSize) entries, kept in \(LedgerHead.file(home: configuration.home).path)\n" }
            }
            if let witnessHead, let consistency, report.passed {
                text += "witness head of \(witnessHead.treeSize) entries is consistent with the log; consistency path:\n"
                for (level, hash) in consistency.enumerated() { text += "  \(level): \(hash)\n" }
            }
            if let inclusion {
                let entry = inclusion.entry
                text += "entry #\(entry.position): \(entry.action) \(entry.subject) by \(entry.actor) at \(Date(timeIntervalSince1970: Double(entry.timeMillis) / 1000))\n"
                text += "leaf hash: \(inclusion.leafHash)\ntree size: \(inclusion.treeSize)\naudit path:\n"
                for (level, hash) in inclusion.path.enumerated() { text += "  \(level): \(hash)\n" }
                text += "root: \(inclusion.root)\ninclusion: \(inclusion.verified ? "verified" : "DOES NOT VERIFY")\n"
            }
            Output.write(text)
        }
        if !report.passed {
            throw NexusError(.verificationFailed, "verification failed: \(report.problems.count) problem(s); the first: \(report.problems[0])")
        }
        if inclusion?.verified == false { throw ExitCode(1) }
    }
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The signed ledger of promotions, installs, rollbacks, self-modifications and key changes.",
        subcommands: [List.self, RotateKey.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every ledger entry, oldest first.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let database = try AgentFactory(configuration: NexusConfiguration()).database()
            let entries = try LedgerStore(database: database).entries()
            if json {
                Output.write(JSONValue.array(entries.map(LedgerFormat.json)).jsonText + "\n")
                return
            }
            let formatter = ISO8601DateFormatter()
            Output.write(Table.render(header: ["#", "TIME", "ACTION", "ACTOR", "SUBJECT", "DETAIL"], rows: entries.map { entry in
                ["\(entry.position)", formatter.string(from: Date(timeIntervalSince1970: Double(entry.timeMillis) / 1000)), entry.action, entry.actor,
                 String(entry.subject.prefix(16)), [entry.detail["name"], entry.detail["version"], entry.detail["key"]].compactMap { $0?.stringValue }.joined(separator: " ")]
            }) + "\n")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-key", abstract: "Replace the ledger key; the change is signed by the old key.")

        func run() async throws {
            let configuration = NexusConfiguration()
            let factory = AgentFactory(configuration: configuration)
            let entry = try factory.ledger(database: try factory.database()).rotateKey(actor: "user")
            Output.write("new ledger key \(entry.subject) (entry #\(entry.position), signed by the previous key \(entry.keyID))\n")
        }
    }
}

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "The Nexus graph of modules, traces, memories, prompts and keys.",
                                                    subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A node with its edges in and out.")
        @Argument(help: "nexus://ID (a module id or prefix, trace:RUN_ID, memory:N, prompt:KEY@N, key:ID).") var node: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let graph = GraphStore(database: try AgentFactory(configuration: NexusConfiguration()).database())
            let id = try graph.resolve(node)
            guard let found = try graph.node(id: id) else { throw NexusError(.notFound, "no graph node nexus://\(id)") }
            let outgoing = try graph.edges(from: id)
            let incoming = try graph.edges(to: id)
            if json {
                func edges(_ list: [GraphEdge]) -> JSONValue {
                    .array(list.map { ["source": .string($0.source), "kind": .string($0.kind.rawValue), "target": .string($0.target)] })
                }
                Output.write(JSONValue.object(["id": .string(found.id), "kind": .string(found.kind), "label": .string(found.label),
                                               "metadata": .object(found.metadata), "out": edges(outgoing), "in": edges(incoming)]).jsonText + "\n")
                return
            }
            var text = "nexus://\(found.id)\n\(found.kind): \(found.label)\n"
            for (key, value) in found.metadata { text += "  \(key): \(value.stringValue ?? value.jsonText)\n" }
            text += outgoing.isEmpty ? "out: none\n" : "out:\n"
            for edge in outgoing { text += "  \(edge.kind.rawValue) → nexus://\(edge.target)\(try label(graph, edge.target))\n" }
            text += incoming.isEmpty ? "in: none\n" : "in:\n"
            for edge in incoming { text += "  \(edge.kind.rawValue) ← nexus://\(edge.source)\(try label(graph, edge.source))\n" }
            Output.write(text)
        }

        private func label(_ graph: GraphStore, _ id: String) throws -> String {
            try graph.node(id: id).map { " (\($0.label))" } ?? ""
        }
    }
}
