#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NexusCore
import NexusInference

/// Where `/api/create` may take a new model's weights from, besides another model: a blob uploaded
/// through `/api/blobs`, or a GGUF file inside the server's import folder.
///
/// A request never learns anything about files elsewhere: a path outside the folder is refused
/// before the file system is touched, and every refusal of a path reads the same whether the file
/// exists, is a directory, is a symlink pointing out, or is missing.
struct ModelWeightsSource: Sendable {
    let store: ModelStore
    /// `ServerConfiguration.modelImportDirectory`.
    let importFolder: URL

    /// The weights `from` names, or nil when `from` is a model name (the caller looks it up).
    /// - Parameter from: `sha256:HEX` / `@sha256:HEX` (a blob), or a path (absolute, or relative to
    ///   the import folder; anything with `/` or ending in `.gguf`).
    /// - Throws: `NexusError(.invalidArgument)` for a path or blob it may not use.
    func weights(for from: String) throws -> (path: String, sha256: String?)? {
        if let digest = Self.blobDigest(from) {
            let blob = store.blobURL(sha256: digest)
            guard FileManager.default.fileExists(atPath: blob.path) else {
                throw NexusError(.invalidArgument, "no blob sha256:\(digest) was uploaded; upload the GGUF file with POST /api/blobs/sha256:\(digest) first")
            }
            return (blob.path, digest)
        }
        guard from.contains("/") || from.lowercased().hasSuffix(".gguf") else { return nil }
        return (try importedFile(from).path, nil)
    }

    /// The digest in `sha256:HEX`, `@sha256:HEX` or `sha256-HEX`, lowercase; nil for anything else.
    static func blobDigest(_ text: String) -> String? {
        var text = Substring(text)
        if text.hasPrefix("@") { text = text.dropFirst() }
        guard text.hasPrefix("sha256:") || text.hasPrefix("sha256-") else { return nil }
        let hex = text.dropFirst(7)
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return hex.lowercased()
    }

    /// The real path of a file inside the import folder that `text` names.
    private func importedFile(_ text: String) throws -> URL {
        let refusal = NexusError(
            .invalidArgument,
            "'from' must name a model, an uploaded blob (sha256:HEX) or a .gguf file inside the import folder \(importFolder.path); '\(text.prefix(300))' is none of these. Copy the file there or upload it with POST /api/blobs/sha256:HEX")
        // A NUL or a control character would make the C path differ from the checked one.
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { throw refusal }
        let folder = importFolder.standardizedFileURL
        let lexical = text.hasPrefix("/") ? URL(fileURLWithPath: text).standardizedFileURL
                                          : folder.appendingPathComponent(text).standardizedFileURL
        // Outside the folder by its spelling: refused without a single look at the disk.
        guard lexical.path.hasPrefix(folder.path + "/") else { throw refusal }
        // Inside by spelling; still inside once every symlink is followed, and a regular file?
        guard let realFolder = Self.realPath(folder.path), let real = Self.realPath(lexical.path),
              real.hasPrefix(realFolder + "/"),
              (try? FileManager.default.attributesOfItem(atPath: real)[.type] as? FileAttributeType) == .typeRegular else {
            throw refusal
        }
        return URL(fileURLWithPath: real)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
