import GRDB

/// A change to the graph or the module tables, applied in the same transaction as the ledger
/// entry that records it (see `LedgerStore.append(changes:entry:)`), so that neither exists
/// without the other.
public enum StoreChange: Sendable {
    case node(GraphNode)
    case edge(GraphEdge)
    case module(ModuleRecord)
    case install(ModuleInstall)
    /// An admin's decision on a module waiting for approval.
    case approvalDecision(ModuleApproval)

    func apply(_ db: Database) throws {
        switch self {
        case .node(let node): try GraphStore.insert(node, db)
        case .edge(let edge): try GraphStore.insert(edge, db)
        case .module(let module): try ModuleStore.insert(module, db)
        case .install(let install): try ModuleStore.insert(install, db)
        case .approvalDecision(let approval): try ModuleApprovalStore.decide(approval, db)
        }
    }
}
