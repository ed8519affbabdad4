import Foundation
import NexusCore

/// What a program turn is told about the comma-separated files the run has read: whether the
/// first line is a header of column names. A small model sums `student,score` as a number, or
/// takes the header for a row, unless told; the note holds for any such file, whatever the task.
enum TableNotes {
    /// One note per CSV file whose text a `filesystem_read` result in `messages` shows.
    static func notes(_ messages: [ChatMessage]) -> [String] {
        var seen: Set<String> = []
        var notes: [String] = []
        for message in messages where message.role == .tool {
            guard let (name, lines) = readResult(message.content), !seen.contains(name), let note = note(name, lines) else { continue }
            seen.insert(name)
            notes.append(note)
        }
        return notes
    }

    /// The file and its lines, from filesystem_read's "[NAME: N lines]" result.
    private static func readResult(_ content: String) -> (String, [Substring])? {
        let lines = content.split(separator: "\n", omittingEmptySubsequences: true)
        guard let head = lines.first, head.hasPrefix("["), head.hasSuffix(" lines]") || head.hasSuffix(" line]"),
              let colon = head.lastIndex(of: ":") else { return nil }
        return (String(head[head.index(after: head.startIndex)..<colon]), Array(lines.dropFirst()))
    }

    private static func note(_ name: String, _ lines: [Substring]) -> String? {
        guard let first = lines.first, lines.count >= 2 else { return nil }
        let fields = cells(first), second = cells(lines[1])
        guard fields.count >= 2, name.lowercased().hasSuffix(".csv") || second.count == fields.count else { return nil }
        // A header names columns: none of its fields is a number where the next line has one.
        let isHeader = fields.allSatisfy { Double($0) == nil } && second.contains { Double($0) != nil }
        if isHeader {
            return "\(name) is CSV. Its first line is a header of column names, not data: \(first). "
                + "Read it with csv.DictReader (each row a dict by those names; values are text: convert numbers with float())."
        }
        return "\(name) is CSV without a header line. Read it with csv.reader (each row a list of text values)."
    }

    private static func cells(_ line: Substring) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
