import Foundation

/// A throwaway copy of a small workspace, where a candidate program runs without touching the
/// real one, and what the program changed there, file by file (`ProgramCandidates`).
struct ScratchWorkspace {
    /// The copy's folder; the workspace itself is `url/workspace`.
    let url: URL
    private let root: URL
    private let before: [String: String]

    /// The largest workspace copied: a trial should cost milliseconds, not the run's time.
    static let maxEntries = 400
    static let maxBytes = 4 << 20

    /// Nil when the workspace is larger than the limits, holds a link (whose copy could point
    /// back into the real workspace) or anything but files and folders, or cannot be copied.
    init?(copying workspace: URL) {
        guard let contents = Self.contents(of: workspace) else { return nil }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-trial-\(UUID().uuidString)")
        let copy = folder.appendingPathComponent("workspace")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: workspace, to: copy)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            return nil
        }
        root = folder
        url = copy
        before = contents
    }

    /// What the copy holds now that was not there before, or differs, or is gone: one line per
    /// path, sorted, with a file's text (lines without trailing blanks, no trailing empty lines)
    /// so that two programs writing the same lines count as doing the same thing.
    func changes() -> [String] {
        let after = Self.contents(of: url) ?? [:]
        var lines: [String] = []
        for (path, text) in after where before[path] != text { lines.append("\(path)=\(text)") }
        for path in before.keys where after[path] == nil { lines.append("\(path) removed") }
        return lines.sorted()
    }

    /// Whether `workspace` is small and plain enough to be copied.
    static func canCopy(_ workspace: URL) -> Bool {
        contents(of: workspace) != nil
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    /// Every entry beneath `folder` by relative path: a file's normalized text, "/" for a
    /// folder. Nil past the limits or at a link or special file.
    private static func contents(of folder: URL) -> [String: String]? {
        let keys: [URLResourceKey] = [.isSymbolicLinkKey, .isDirectoryKey, .isRegularFileKey, .fileSizeKey]
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: keys) else { return nil }
        let base = folder.standardizedFileURL.path + "/"
        var entries: [String: String] = [:]
        var bytes = 0
        for case let entry as URL in walk {
            guard entries.count < maxEntries, let values = try? entry.resourceValues(forKeys: Set(keys)) else { return nil }
            guard values.isSymbolicLink != true else { return nil }
            let path = String(entry.standardizedFileURL.path.dropFirst(base.count))
            if values.isDirectory == true {
                entries[path] = "/"
                continue
            }
            guard values.isRegularFile == true else { return nil }
            bytes += values.fileSize ?? 0
            guard bytes <= maxBytes, let data = FileManager.default.contents(atPath: entry.path) else { return nil }
            entries[path] = normalized(String(decoding: data, as: UTF8.self))
        }
        return entries
    }

    private static func normalized(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\r", with: "").trimmingCharacters(in: .whitespaces) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
