#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NexusCore

/// The readable and writable roots of one policy in one workspace, each opened once (see
/// ``PathRoot``). A run keeps them in its ``RunResources`` for all its calls.
struct PolicyRoots: Sendable {
    /// The workspace's absolute components.
    let workspace: [String]
    let readable: [PathRoot]
    let writable: [PathRoot]

    /// Opens the roots. Writable roots are opened first, outermost first: each one the run can
    /// write in anchors the roots inside it.
    /// - Parameters:
    ///   - workspace: The workspace's absolute components.
    ///   - anchor: The workspace, opened.
    ///   - policy: Supplies `readablePaths` and `writablePaths`.
    init(workspace: [String], anchor: PathRoot, policy: CapabilityPolicy) {
        self.workspace = workspace
        var anchors = [anchor]
        let order = policy.writablePaths.indices.sorted { first, second in
            PathLexer.resolve(PathRoot.expandingHome(policy.writablePaths[first]), against: workspace).count
                < PathLexer.resolve(PathRoot.expandingHome(policy.writablePaths[second]), against: workspace).count
        }
        var writable = [PathRoot?](repeating: nil, count: policy.writablePaths.count)
        for index in order {
            let root = PathRoot(declared: policy.writablePaths[index], workspace: workspace, anchors: anchors)
            writable[index] = root
            if root.isPinnedDirectory { anchors.append(root) }
        }
        self.writable = writable.compactMap { $0 }
        readable = policy.readablePaths.map { PathRoot(declared: $0, workspace: workspace, anchors: anchors) }
    }

    /// The absolute components of a workspace URL.
    static func components(of workspace: URL) -> [String] {
        let path = workspace.path
        return path.hasPrefix("/") ? PathLexer.resolve(path, against: []) : PathLexer.resolve(path, against: PathLexer.currentDirectory())
    }

    /// The roots of a tool call: the run's, opened when it first asked, or opened now outside a run.
    static func of(_ context: ToolContext) -> PolicyRoots {
        let workspace = components(of: context.workspace)
        guard let resources = context.resources else {
            return PolicyRoots(workspace: workspace, anchor: .workspace(workspace), policy: context.policy)
        }
        let location = PathLexer.join(workspace)
        // One workspace descriptor per run, shared by every policy of the run (a module's narrower one too).
        let anchor = resources.value(forKey: "workspace-anchor:" + location) { PathRoot.workspace(workspace) }
        let key = ["workspace-roots:" + location, context.policy.readablePaths.joined(separator: "\0"),
                   context.policy.writablePaths.joined(separator: "\0")].joined(separator: "\u{1}")
        return resources.value(forKey: key) { PolicyRoots(workspace: workspace, anchor: anchor, policy: context.policy) }
    }
}
