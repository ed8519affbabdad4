import Hummingbird
import NexusAPI
import NexusCore

extension Request {
    /// The JSON body's fields, refusing bodies over `limit` bytes.
    /// - Throws: `NexusError(.payloadTooLarge)`, `.invalidJSON` or `.invalidArgument`.
    func fields(limit: Int) async throws -> RequestFields {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw NexusError(.payloadTooLarge, "the request body has \(declared) bytes but at most \(limit) are accepted")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw NexusError(.payloadTooLarge, "the request body is larger than the \(limit) bytes accepted")
        }
        return try RequestFields(body: Array(buffer.readableBytesView))
    }
}
