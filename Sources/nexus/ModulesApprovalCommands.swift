import ArgumentParser
import Foundation
import NexusAgent
import NexusCore
import NexusStore

extension ModulesCommand {
    /// `nexus modules approvals`: modules the system made that wait for an admin.
    struct Approvals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Modules the system made (crystallized traces) waiting for approval; --all shows decided ones too.")
        @Flag(help: "Show approved and rejected ones too.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let home = try Home()
            let approvals = ModuleApprovalStore(database: home.database)
            let listed = try approvals.list(pendingOnly: !all)
            if json {
                Output.write(JSONValue.array(listed.map(\.json)).jsonText + "\n")
                return
            }
            let mode = try approvals.storedMode()
            Output.write("approval: \(mode?.rawValue ?? "not set (auto here; required on a server listening beyond loopback)")\n")
            if listed.isEmpty {
                Output.write(all ? "no module was ever held for approval\n" : "no module waits for approval\n")
                return
            }
            Output.write(Table.render(header: ["MODULE", "DRAFT", "TRACE", "REQUESTED", "STATUS", "BY"], rows: listed.map { approval in
                ["\(approval.name)@\(approval.version)", String(approval.draftID.prefix(12)), approval.traceRunID ?? "-",
                 approval.requestedAt.ISO8601Format(), approval.decision?.rawValue ?? "pending", approval.decidedBy ?? ""]
            }) + "\n")
        }
    }

    /// `nexus modules approve` / `reject`: an admin's signed decision.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a module waiting for approval: signed in the ledger, then promoted and installed.")
        @Argument(help: "NAME, NAME@VERSION or the draft's id.") var module: String

        func run() async throws {
            let approval = try await ModulesCommand.decide(module, approve: true, reason: nil)
            Output.write("approved \(approval.name)@\(approval.version); it is promoted and installed\n")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a module waiting for approval: signed in the ledger; its trace is not compiled again.")
        @Argument(help: "NAME, NAME@VERSION or the draft's id.") var module: String
        @Option(help: "Why, for the ledger and the audit log.") var reason: String?

        func run() async throws {
            let approval = try await ModulesCommand.decide(module, approve: false, reason: reason)
            Output.write("rejected \(approval.name)@\(approval.version); the draft stays for inspection and is never installed\n")
        }
    }

    /// `nexus modules approval-mode [auto|required]`.
    struct ApprovalMode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approval-mode",
            abstract: "Show or set whether modules the system makes wait for approval (auto or required).")
        @Argument(help: "auto or required; nothing shows the setting.") var mode: String?

        func run() async throws {
            let home = try Home()
            let approvals = ModuleApprovalStore(database: home.database)
            guard let mode else {
                Output.write("\(try approvals.storedMode()?.rawValue ?? "not set (auto here; required on a server listening beyond loopback)")\n")
                return
            }
            guard let parsed = ModuleApprovalMode(rawValue: mode) else {
                throw NexusError(.invalidArgument, "'\(mode)' is not an approval mode; use auto or required")
            }
            try approvals.setMode(parsed)
            try await home.factory.audit(database: home.database).record("settings.changed", actor: .commandLine, resource: "setting:\(ModuleApprovalMode.setting)",
                                                                          details: ["value": .string(parsed.rawValue)])
            Output.write("module approval: \(parsed.rawValue)\n")
        }
    }

    static func decide(_ reference: String, approve: Bool, reason: String?) async throws -> ModuleApproval {
        let home = try Home()
        let crystallizer = Crystallizer(database: home.database, lifecycle: home.lifecycle)
        let approval = try crystallizer.decide(reference, approve: approve, reason: reason, actor: AuditActor.commandLine.name)
        var details: JSONObject = ["draft": .string(approval.draftID)]
        if let reason { details["reason"] = .string(reason) }
        try await home.factory.audit(database: home.database).record(approve ? "module.approved" : "module.rejected", actor: .commandLine,
                                                                      resource: "module:\(approval.name)@\(approval.version)", details: details)
        return approval
    }
}
