import AsyncHTTPClient
import Crypto
public import Foundation
public import NexusCore

/// Fetches a GGUF file over HTTP into the model store, hashing it as it arrives, and registers it
/// only once it is whole, is GGUF, and matches the expected SHA-256 (when one is given). A failed
/// or cancelled download leaves nothing behind.
public struct ModelDownloader: Sendable {
    public let store: ModelStore

    public init(store: ModelStore) {
        self.store = store
    }

    /// What a download reports: bytes so far and the total when the server said it.
    public typealias Progress = @Sendable (_ completed: Int64, _ total: Int64?) async -> Void

    /// Downloads `url` and registers it as `name`. The file is kept under its SHA-256 in the store's
    /// `blobs/`, so a download never changes the weights another model uses.
    /// - Parameters:
    ///   - sha256: the expected lowercase hex digest; nil accepts any file (its digest is recorded).
    ///   - replacing: replace a model already called `name` (otherwise that is refused before downloading).
    /// - Throws: `NexusError` `.invalidArgument` (bad URL or name, digest mismatch, not GGUF), `.modelExists`,
    ///   `.backendUnavailable` (network), `.ioError`.
    public func download(_ url: URL, as name: String, sha256 expected: String?, replacing: Bool = false,
                         progress: Progress) async throws -> ModelEntry {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw NexusError(.invalidArgument, "'\(url.absoluteString)' is not an http(s) URL of a GGUF file")
        }
        try ModelStore.checkName(name)
        if !replacing, (try? store.entry(named: name)) != nil {
            throw NexusError(.modelExists, "a model named '\(name)' is already in the store; delete it first, pick another name, or send \"replace\": true")
        }
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let partial = store.directory.appendingPathComponent(".download-\(UUID().uuidString).partial")
        defer { try? FileManager.default.removeItem(at: partial) }
        let digest = try await fetch(url, into: partial, progress: progress)
        if let expected, expected.lowercased() != digest {
            throw NexusError(.invalidArgument, "the file at \(url.absoluteString) has sha256 \(digest), not the expected \(expected.lowercased()); nothing was installed")
        }
        try Self.requireGGUF(partial, from: url.absoluteString)
        let blob = try store.storeBlob(partial, sha256: digest)
        let size = ((try? FileManager.default.attributesOfItem(atPath: blob.path)[.size]) as? NSNumber)?.int64Value ?? 0
        let entry = ModelEntry(name: name, path: blob.path, size: size, sha256: digest, source: url.absoluteString)
        do {
            return try store.register(entry, replacing: replacing)
        } catch {
            store.removeWeightsIfUnused(blob.path)  // a writer that won the name meanwhile keeps its own
            throw error
        }
    }

    /// Checks that `file` is a GGUF model; a file that is not is the sender's fault (400), not the server's.
    /// - Throws: `NexusError(.invalidArgument)` naming where the file came from.
    public static func requireGGUF(_ file: URL, from origin: String) throws {
        do {
            _ = try GGUFFile(contentsOf: file)
        } catch let error as NexusError where error.code == .modelLoadFailed {
            // The reason without the server's own path to the file.
            let reason = error.message.replacingOccurrences(of: file.path, with: "the file")
            throw NexusError(.invalidArgument, "\(origin) is not a usable GGUF model: \(reason); nothing was installed")
        }
    }

    /// Streams the body into `file` and returns its SHA-256 in lowercase hex.
    private func fetch(_ url: URL, into file: URL, progress: Progress) async throws -> String {
        guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = try? FileHandle(forWritingTo: file) else {
            throw NexusError(.ioError, "cannot write in \(file.deletingLastPathComponent().path); check the permissions")
        }
        defer { try? handle.close() }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(60))
        } catch {
            try Task.checkCancellation()
            throw NexusError(.backendUnavailable, "cannot download \(url.absoluteString): \(TransportFailure.reason(error))")
        }
        guard response.status.code == 200 else {
            throw NexusError(.invalidArgument, "\(url.absoluteString) answered HTTP \(response.status.code); check the URL")
        }
        let total = response.headers.first(name: "content-length").flatMap(Int64.init)
        var hasher = SHA256()
        var completed: Int64 = 0
        var reported: Int64 = 0
        do {
            for try await buffer in response.body {
                let bytes = Data(buffer.readableBytesView)
                hasher.update(data: bytes)
                try handle.write(contentsOf: bytes)
                completed += Int64(bytes.count)
                // A progress line per 4 MiB is plenty for a client's progress bar.
                if completed - reported >= 4 << 20 {
                    reported = completed
                    await progress(completed, total)
                }
            }
        } catch let error as NexusError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw NexusError(.backendUnavailable, "the download of \(url.absoluteString) broke off: \(TransportFailure.reason(error))")
        }
        if let total, completed != total {
            throw NexusError(.backendUnavailable, "the download of \(url.absoluteString) ended after \(completed) of \(total) bytes; try again")
        }
        await progress(completed, total)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
