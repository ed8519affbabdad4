import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("The toolsmith and the gateway over the admin API")
struct ModuleBuildAPITests {
    static let wrong = "```lua\nlocal M = {}\nfunction M.run(input) return { count = 0 } end\nreturn M\n```\ntests: []"
    static let right = """
        ```lua
        local M = {}
        function M.run(input)
          local n = 0
          for _ in string.gmatch(input.text, "%S+") do n = n + 1 end
          return { count = n }
        end
        return M
        ```
        tests: []
        """
    static let body = #"""
        {"description": "Count the words in a text", "examples": [
          {"input": {"text": "a b"}, "output": {"count": 2}}, {"input": {"text": "c"}, "output": {"count": 1}},
          {"input": {"text": "d e f"}, "output": {"count": 3}}, {"input": {"text": "one two three four"}, "output": {"count": 4}}]}
        """#

    @Test("a default-org admin starts a build (202), follows its attempts, and gets an installed module; the gateway shows the calls")
    func buildOverHTTP() async throws {
        let fixture = try ServerFixture(scripts: ["toolsmith": [Self.wrong, Self.right]])
        try #"{"routes": {"build": [{"model": "toolsmith"}], "repair": [{"model": "toolsmith"}]}}"#
            .write(to: fixture.home.url.appendingPathComponent("gateway.json"), atomically: true, encoding: .utf8)
        let admin = try fixture.newKey(.admin, name: "builder")
        let acme = try OrgName("acme")
        _ = try OrgStore(database: fixture.database).create(acme, createdBy: nil)
        let acmeAdmin: HTTPFields = [.authorization: "Bearer " + (try KeyStore(database: fixture.database).create(name: "a", role: .admin, org: acme).secret)]
        try await fixture.application().test(.router) { client in
            try await client.post("/admin/modules/builds", Self.body, headers: fixture.operatorKey) { #expect($0.status == .forbidden) }
            try await client.post("/admin/modules/builds", Self.body, headers: acmeAdmin) { #expect($0.status == .forbidden) }
            try await client.post("/admin/modules/builds", #"{"description": "x", "examples": [{"input": {}, "output": {}}]}"#,
                                  headers: admin.headers) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("at least 2 examples"))
            }
            let named = Self.body.replacingOccurrences(of: #"{"description""#, with: #"{"name": "filesystem_read", "description""#)
            try await client.post("/admin/modules/builds", named, headers: admin.headers) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("the name of a built-in tool"), "\(response.text)")
            }
            let id = try await client.post("/admin/modules/builds", Self.body, headers: admin.headers) { response in
                #expect(response.status == .accepted, "\(response.text)")
                #expect(response.headers[.location]?.hasPrefix("/admin/modules/builds/build_") == true)
                return response.object["id"]?.stringValue ?? ""
            }
            var detail = JSONValue.null
            for _ in 0..<100 {
                detail = try await client.execute(uri: "/admin/modules/builds/\(id)", method: .get, headers: admin.headers) { $0.object }
                if detail["status"]?.stringValue != "building" { break }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            #expect(detail["status"]?.stringValue == "validated", "\(detail.jsonText)")
            #expect(detail["attempts"]?.arrayValue?.compactMap { $0["purpose"]?.stringValue } == ["build", "repair"])
            #expect(detail["held_out"]?.numberValue == 1)
            #expect(!detail.jsonText.contains("one two three four"), "the held-out example is never shown")
            try await client.execute(uri: "/admin/modules/builds/\(id)", method: .get, headers: acmeAdmin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/admin/modules", method: .get, headers: admin.headers) { response in
                let active = (response.object["data"]?.arrayValue ?? []).filter { $0["active"]?.boolValue == true }
                #expect(active.compactMap { $0["name"]?.stringValue } == ["count_words_text"])
            }
            try await client.execute(uri: "/admin/gateway", method: .get, headers: admin.headers) { response in
                let calls = response.object["recent_calls"]?.arrayValue ?? []
                #expect(calls.compactMap { $0["purpose"]?.stringValue } == ["build", "repair"])
                #expect(calls.allSatisfy { $0["route"]?.stringValue == "toolsmith" })
                #expect(response.object["routes"]?["build"] == ["toolsmith"])
            }
            try await client.execute(uri: "/admin/gateway", method: .get, headers: acmeAdmin) { #expect($0.status == .forbidden) }
            // A gateway.json that does not read refuses the reload; the routes stay as they were.
            try #"{"routes": {"bild": []}}"#.write(to: fixture.home.url.appendingPathComponent("gateway.json"), atomically: true, encoding: .utf8)
            try await client.post("/admin/reload", "", headers: fixture.ownerKey) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("gateway.json"))
            }
            try await client.execute(uri: "/admin/gateway", method: .get, headers: admin.headers) { response in
                #expect(response.object["routes"]?["build"] == ["toolsmith"])
            }
        }
        let built = try await fixture.audit.events(AuditQuery(type: "module.built", limit: 10))
        #expect(built.count == 1)
    }
}
