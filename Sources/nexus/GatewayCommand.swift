import ArgumentParser
import Foundation
import NexusCore
import NexusInference
import NexusRuntime
import NexusServer

/// `nexus gateway`: the routes of each purpose, what each budget has spent, and the latest calls,
/// as the journal in nexus.db holds them (every command's calls, and the server's).
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "The gateway's routes by purpose, its budgets' use and its latest calls.",
        discussion: "Routes come from $NEXUS_HOME/gateway.json; budgets and calls from the journal in nexus.db, over the last budget window. See docs/gateway.md.")

    @Option(help: "How many of the latest calls to show.") var calls = 20
    @Flag(help: "Print JSON, as GET /admin/gateway does.") var json = false

    func validate() throws {
        guard calls >= 0 else { throw NexusError(.invalidArgument, "--calls must be 0 or more") }
    }

    func run() async throws {
        let factory = AgentFactory(configuration: NexusConfiguration())
        let gateway = try factory.gateway(database: try factory.database())
        let status = await gateway.status()
        let latest = Array(await gateway.recentCalls().suffix(calls))
        if json {
            Output.write(GatewayJSON.status(status, calls: latest).jsonText + "\n")
            return
        }
        Output.write(Table.render(header: ["PURPOSE", "ROUTES"], rows: GatewayPurpose.allCases.map { purpose in
            [purpose.rawValue, (status.routes[purpose] ?? []).joined(separator: " → ")]
        }) + "\n")
        if !status.spending.isEmpty {
            Output.write("\n" + Table.render(header: ["BUDGET", "USED", "LIMIT", "RENEWS IN"], rows: status.spending.map { budget in
                [budget.budget, String(budget.used), String(budget.limit), "\(Int(budget.resetsInSeconds.rounded())) s"]
            }) + "\n")
        }
        guard !latest.isEmpty else {
            Output.write("\nno calls in the last budget window\n")
            return
        }
        Output.write("\n" + Table.render(header: ["AT", "PURPOSE", "ORG", "ROUTE", "ATTEMPTS", "SECONDS", "TOKENS"], rows: latest.reversed().map { call in
            [call.at.ISO8601Format(), call.purpose.rawValue, call.org, call.route ?? "failed",
             call.attempts.map { "\($0.route): \($0.outcome)" }.joined(separator: ", "),
             String(format: "%.2f", call.seconds), String(call.promptTokens + call.completionTokens)]
        }) + "\n")
    }
}
