import Foundation
import NexusCore

enum JSONOutput {
    static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
    }
}

/// A plain text table with columns padded to their widest cell.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Unbuffered standard output, so streamed tokens appear at once and in order with the rest.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Progress and notes, on standard error so that `--json` output stays clean.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// The folder an agent command works in: `--workspace`, else the current folder.
/// - Throws: `NexusError(.invalidArgument)` when it is not an existing folder.
func workspaceFolder(_ path: String?) throws -> URL {
    let folder = URL(fileURLWithPath: path ?? FileManager.default.currentDirectoryPath).standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw NexusError(.invalidArgument, "the workspace \(folder.path) is not a folder; create it or pick another")
    }
    return folder
}
