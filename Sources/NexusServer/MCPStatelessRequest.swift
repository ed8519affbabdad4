import Foundation
import MCP
import NexusCore
import NexusMCP

/// One request of the 2026-07-28 stateless form of MCP: no `initialize`, no session; the request
/// names its protocol version in `_meta` (`io.modelcontextprotocol/protocolVersion`) or the
/// `MCP-Protocol-Version` header. It is answered by a server made for it alone, within the same
/// key, profile and folder a session would have, and as JSON.
enum MCPStatelessRequest {
    static let version = ServerDiscover.statelessVersion
    static let supportedVersions = ServerDiscover.supportedVersions

    /// The stateless version a request asks for, when it is one: a JSON-RPC request (not
    /// `initialize`) that names a protocol version in its `_meta` or header.
    static func requestedVersion(_ request: MCP.HTTPRequest) -> String? {
        guard request.method == "POST", let body = request.body, let message = try? JSONValue.parse(body),
              let method = message["method"]?.stringValue, method != "initialize", message["id"] != nil else { return nil }
        return message["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"]?.stringValue
            ?? request.header(HTTPHeaderName.protocolVersion).flatMap { $0 == version ? $0 : nil }
    }

    /// Answers one stateless request.
    static func answer(_ request: MCP.HTTPRequest, version requested: String, scope: @Sendable () async throws -> MCPServingScope,
                       serverVersion: String) async throws -> MCP.HTTPResponse {
        guard supportedVersions.contains(requested) else {
            return .error(statusCode: 400, .invalidParams("unsupported protocol version '\(requested.prefix(40))'; this server speaks \(supportedVersions.joined(separator: " and "))"))
        }
        // A server of its own, lenient about the missing handshake, answering this request only.
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(),
        ]))
        let server = await NexusMCPServer.make(scope: try await scope(), version: serverVersion)
        try await server.start(transport: transport)
        let response = await transport.handleRequest(request)
        await server.stop()
        return completed(response)
    }

    /// The response with `resultType: "complete"` in its result, as the stateless form has it.
    private static func completed(_ response: MCP.HTTPResponse) -> MCP.HTTPResponse {
        guard let body = response.bodyData, let message = try? JSONValue.parse(body), case .object(var result)? = message["result"],
              case .object(var object) = message else { return response }
        result["resultType"] = result["resultType"] ?? "complete"
        object["result"] = .object(result)
        return .data(Data(JSONValue.object(object).jsonText.utf8), headers: response.headers)
    }
}
