import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A response from plain parts, for bodies produced outside Hummingbird (the MCP SDK's
    /// transport): a whole body, or a stream of chunks written as they come.
    static func plain(status: Int, headers: [String: String], body: Data) -> Response {
        Response(status: .init(code: status), headers: fields(headers), body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func plain(status: Int, headers: [String: String], stream: AsyncThrowingStream<Data, any Error>) -> Response {
        Response(status: .init(code: status), headers: fields(headers), body: ResponseBody { writer in
            for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }

    private static func fields(_ headers: [String: String]) -> HTTPFields {
        var fields = HTTPFields()
        fields.set(headers.map { ($0.key, $0.value) })
        return fields
    }
}

extension HTTPFields {
    /// Sets each named field (replacing one of the same name); a name HTTP does not allow is skipped.
    mutating func set(_ pairs: [(String, String)]) {
        for (name, value) in pairs {
            if let field = HTTPField.Name(name) { self[field] = value }
        }
    }
}
