import Crypto
import Foundation
import Hummingbird
import NexusCore
import NexusInference

/// Ollama's blob upload: `HEAD /api/blobs/sha256:HEX` (is it here?) and `POST` with the GGUF file as
/// the body. The body is hashed as it arrives and kept only if it is whole, within the size limit,
/// a GGUF file, and has the digest its URL names; `/api/create` then builds a model from it with
/// `"from": "sha256:HEX"` or `"files": {"model.gguf": "sha256:HEX"}`.
struct ModelBlobRoutes: Sendable {
    let store: ModelStore
    let configuration: ServerConfiguration

    func register(on router: Router<NexusRequestContext>) {
        router.head("/api/blobs/:digest") { _, context in
            let digest = try Self.digest(context)
            let present = FileManager.default.fileExists(atPath: store.blobURL(sha256: digest).path)
            return Response(status: present ? .ok : .notFound)
        }
        router.post("/api/blobs/:digest") { request, context in
            try await upload(request, digest: try Self.digest(context))
        }
    }

    private static func digest(_ context: NexusRequestContext) throws -> String {
        let text = context.parameters.get("digest") ?? ""
        guard let digest = ModelWeightsSource.blobDigest(text) else {
            throw NexusError(.invalidArgument, "'\(text.prefix(80))' is not a blob digest; write it as sha256: and 64 hex digits")
        }
        return digest
    }

    private func upload(_ request: Request, digest: String) async throws -> Response {
        if FileManager.default.fileExists(atPath: store.blobURL(sha256: digest).path) {
            return Response(status: .ok)  // the same digest is the same content: nothing to do
        }
        let limit = configuration.maxBlobBytes
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limit {
            throw NexusError(.payloadTooLarge, "the blob has \(declared) bytes but at most \(limit) are accepted; raise the server's blob limit")
        }
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let partial = store.directory.appendingPathComponent(".upload-\(UUID().uuidString).partial")
        defer { try? FileManager.default.removeItem(at: partial) }
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = try? FileHandle(forWritingTo: partial) else {
            throw NexusError(.ioError, "cannot write in \(store.directory.path); check the permissions")
        }
        var hasher = SHA256()
        var received: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= limit else {
                    throw NexusError(.payloadTooLarge, "the blob is larger than the \(limit) bytes accepted; raise the server's blob limit")
                }
                let bytes = Data(buffer.readableBytesView)
                hasher.update(data: bytes)
                try handle.write(contentsOf: bytes)
            }
        }
        let actual = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard actual == digest else {
            throw NexusError(.invalidArgument, "the uploaded body has sha256 \(actual), not \(digest) as the URL says; nothing was stored")
        }
        try ModelDownloader.requireGGUF(partial, from: "the uploaded blob sha256:\(digest)")
        try store.storeBlob(partial, sha256: digest)
        return Response(status: .created)
    }
}
