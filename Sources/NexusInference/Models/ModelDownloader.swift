import AsyncHTTPClient
import Crypto
public import Foundation
public import NexusCore

/// Fetches a GGUF file over HTTP into the model store, hashing it as it arrives, and registers it
/// only once it is whole, is GGUF, and matches the expected SHA-256 (when one is given).
/// A download cut off (network, Ctrl-C) keeps what arrived in a partial file named after the URL
/// and the model name; the same pull again asks the server for the rest (an HTTP range) and goes
/// on from there. A file that turns out wrong (digest, not GGUF, HTTP error) leaves nothing behind.
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
            throw NexusError(.modelExists, "a model named '\(name)' is already in the store; delete it first, pick another name, or replace it (--replace; \"replace\": true over the API)")
        }
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let partial = Self.partialFile(for: url, name: name, in: store.directory)
        let digest: String
        do {
            digest = try await fetch(url, into: partial, progress: progress)
        } catch let error as NexusError where error.code == .backendUnavailable {
            throw NexusError(error.code, error.message + "; the same pull again goes on from where it stopped")
        } catch let error as NexusError where error.code == NexusError.Code("conflict") {
            throw error  // the partial file is the other pull's
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        defer { try? FileManager.default.removeItem(at: partial) }
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

    /// Where a download of `url` as `name` keeps what has arrived, so that it can go on later.
    public static func partialFile(for url: URL, name: String, in directory: URL) -> URL {
        let key = SHA256.hash(data: Data((url.absoluteString + "\n" + name).utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return directory.appendingPathComponent(".download-\(key).partial")
    }

    /// Streams the body into `file`, after what an earlier attempt left there when the server
    /// sends the rest, and returns the whole file's SHA-256 in lowercase hex.
    private func fetch(_ url: URL, into file: URL, progress: Progress) async throws -> String {
        if !FileManager.default.fileExists(atPath: file.path) {
            FileManager.default.createFile(atPath: file.path, contents: nil)
        }
        guard let handle = try? FileHandle(forUpdating: file) else {
            throw NexusError(.ioError, "cannot write in \(file.deletingLastPathComponent().path); check the permissions")
        }
        defer { try? handle.close() }
        // Two pulls of the same file at once would write into each other.
        guard flock(handle.fileDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw NexusError(NexusError.Code("conflict"), "\(url.absoluteString) is being downloaded by another pull; wait for it to finish")
        }
        let kept = Int64((try? handle.seekToEnd()) ?? 0)
        var request = HTTPClientRequest(url: url.absoluteString)
        if kept > 0 { request.headers.add(name: "Range", value: "bytes=\(kept)-") }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        } catch {
            try Task.checkCancellation()
            throw NexusError(.backendUnavailable, "cannot download \(url.absoluteString): \(TransportFailure.reason(error))")
        }
        var hasher = SHA256()
        var completed: Int64 = 0
        let total: Int64?
        let length = response.headers.first(name: "content-length").flatMap(Int64.init)
        switch response.status.code {
        case 206 where kept > 0 && Self.rangeStart(response.headers.first(name: "content-range")) == kept:
            // The rest of the file: what is kept counts toward the digest first.
            try handle.seek(toOffset: 0)
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
            completed = kept
            total = length.map { $0 + kept }
        case 200:
            // The whole file (the server ignores ranges, or nothing was kept): start over.
            try handle.truncate(atOffset: 0)
            total = length
        default:
            try? handle.truncate(atOffset: 0)
            throw NexusError(.invalidArgument, "\(url.absoluteString) answered HTTP \(response.status.code); check the URL")
        }
        var reported = completed
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
            throw NexusError(.backendUnavailable, "the download of \(url.absoluteString) broke off after \(completed) bytes: \(TransportFailure.reason(error))")
        }
        try Task.checkCancellation()
        if let total, completed != total {
            throw NexusError(.backendUnavailable, "the download of \(url.absoluteString) ended after \(completed) of \(total) bytes")
        }
        await progress(completed, total)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The first byte of a `Content-Range: bytes START-END/SIZE` header.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        return Int64(header.dropFirst("bytes ".count).prefix { $0.isNumber })
    }
}
