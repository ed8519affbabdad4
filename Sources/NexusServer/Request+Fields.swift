import Hummingbird
import NexusAPI
import NexusCore

extension Request {
    /// The JSON body's fields, refusing bodies over `limit` bytes.
    /// - Throws: `NexusError(.payloadTooLarge)`, `.invalidJSON` or `.invalidArgument`.
    func fields(limit: Int) async throws -> RequestFields {
        try RequestFields(body: Array(try await bodyBytes(limit: limit).readableBytesView))
    }

    /// The whole body, refused with 413 as soon as it passes `limit` bytes, whether its length was
    /// declared or it arrives chunked: the count is kept here, not left to a library's error type.
    /// - Throws: `NexusError(.payloadTooLarge)`.
    func bodyBytes(limit: Int) async throws -> ByteBuffer {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw NexusError(.payloadTooLarge, "the request body has \(declared) bytes but at most \(limit) are accepted; send a smaller body")
        }
        var collected = ByteBuffer()
        for try await part in body {
            guard part.readableBytes <= limit - collected.readableBytes else {
                throw NexusError(.payloadTooLarge, "the request body is larger than the \(limit) bytes accepted; send a smaller body")
            }
            var part = part
            collected.writeBuffer(&part)
        }
        return collected
    }
}
