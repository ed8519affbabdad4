public import Foundation

/// Where the gateway keeps its metered calls beyond one process: budgets then hold across a
/// server's restarts and across `nexus` commands, and the calls stay readable afterwards.
public protocol GatewayJournal: Sendable {
    /// Keeps one finished call, its org's with it.
    func record(_ call: GatewayCall) async throws
    /// Every org's calls since `date`, oldest first: budgets of a purpose span orgs.
    func calls(since date: Date) async throws -> [GatewayCall]
}
