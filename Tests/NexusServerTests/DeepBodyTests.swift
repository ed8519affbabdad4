import Foundation
import HummingbirdTesting
import NexusCore
import Testing

/// A request body nested past `JSONValue.maximumDepth` is a 400 naming the limit on every route
/// that reads JSON, before any model, tool or store sees it.
@Suite struct DeepBodyTests {
    private static let tooDeep = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)

    @Test(arguments: [
        ("/api/chat", #"{"model": "script-a", "messages": [{"role": "user", "content": "hi", "images": DEEP}]}"#),
        ("/api/generate", #"{"model": "script-a", "prompt": "hi", "options": {"stop": DEEP}}"#),
        ("/api/create", #"{"model": "copy", "from": "script-a", "parameters": {"x": DEEP}}"#),
        ("/v1/chat/completions", #"{"model": "script-a", "messages": [{"role": "user", "content": "hi"}], "tools": DEEP}"#),
        ("/v1/agent/runs", #"{"task": "hi", "model": "script-a", "policy": {"read": DEEP}}"#),
    ])
    func aBodyNestedPastTheLimitIsA400NamingIt(route: String, template: String) async throws {
        let fixture = try ServerFixture(scripts: ["script-a": ["hello"]])
        // One level more than allowed: the body object itself adds one to the array's depth.
        let body = template.replacingOccurrences(of: "DEEP", with: Self.tooDeep)
        try await fixture.application().test(.router) { client in
            try await client.post(route, body, headers: fixture.ownerKey) { response in
                #expect(response.status == .badRequest, "\(route): \(response.text.prefix(200))")
                #expect(response.text.contains("nest deeper than \(JSONValue.maximumDepth) levels"), "\(route): \(response.text.prefix(200))")
            }
        }
    }
}
