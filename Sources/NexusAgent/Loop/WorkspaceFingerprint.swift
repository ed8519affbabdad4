import Foundation

/// What a run's workspace holds, by path, size and modification time, to tell whether code that
/// ran (a program, a command) changed any file: its exit status says only that it did not fail.
/// A workspace too large to walk quickly has no fingerprint, and code run in it counts as having
/// changed something, as any call that may change things does.
struct WorkspaceFingerprint: Equatable {
    private var entries: [String: [Double]] = [:]

    /// The most entries walked before giving up.
    static let maxEntries = 5000

    /// Nil when the workspace cannot be walked or holds more than ``maxEntries`` entries.
    init?(of workspace: URL) {
        guard let walk = FileManager.default.enumerator(at: workspace, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey]) else { return nil }
        for case let url as URL in walk {
            guard entries.count < Self.maxEntries else { return nil }
            let values = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
            entries[url.path] = [Double(values?.fileSize ?? -1), values?.contentModificationDate?.timeIntervalSince1970 ?? 0]
        }
    }

    /// Whether `after` differs from this one; true when either is unknown.
    static func changed(_ before: WorkspaceFingerprint?, _ after: WorkspaceFingerprint?) -> Bool {
        guard let before, let after else { return true }
        return before != after
    }
}
