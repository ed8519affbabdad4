import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import NexusTesting
import Testing

/// A loopback server serves key-less requests only when they come from this machine's own
/// clients, never from a web page: DNS rebinding and cross-site request forgery get 403.
@Suite("Web pages cannot use a loopback server")
struct BrowserRequestTests {
    /// Header fields from name-value pairs, as a browser would send them.
    private static func fields(_ pairs: KeyValuePairs<String, String>, to base: HTTPFields = [:]) -> HTTPFields {
        var fields = base
        for (name, value) in pairs { fields[.init(name)!] = value }
        return fields
    }

    private static func fixture() throws -> ServerFixture {
        var fixture = try ServerFixture(scripts: ["script-agent": []])
        fixture.configuration.port = 11434
        return fixture
    }

    @Test("a repeated Sec-Fetch-Site or Origin field counts every value, and an absolute-form target names a host too")
    func repeatedFieldsAndAbsoluteTargets() async throws {
        let fixture = try Self.fixture()
        try await fixture.application().test(.router) { client in
            var repeated: HTTPFields = [:]
            repeated[values: .init("Sec-Fetch-Site")!] = ["none", "cross-site"]
            try await client.execute(uri: "/api/tags", method: .get, headers: repeated) { response in
                #expect(response.status == .forbidden)
            }
            var origins: HTTPFields = [:]
            origins[values: .init("Origin")!] = ["http://127.0.0.1:11434", "http://evil.example"]
            try await client.execute(uri: "/api/tags", method: .get, headers: origins) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "http://evil.example/api/tags", method: .get) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/tags", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        fixture.home.remove()
    }

    @Test("a foreign Host without a key (DNS rebinding) gets 403 on reads, runs and model routes; a loopback Host or a key gets through")
    func foreignHostIsRefused() async throws {
        let fixture = try Self.fixture()
        try await fixture.application().test(.router) { client in
            for foreign in ["evil.example:11434", "evil.example", "127.0.0.1.evil.example:11434", "localhost:8080", "127.0.0.1:11434@evil", "[::1]x"] {
                for path in ["/v1/agent/runs", "/api/tags", "/v1/agent/runs/run_abc/events", "/metrics"] {
                    try await client.execute(uri: path, method: .get, headers: Self.fields(["Host": foreign])) { response in
                        #expect(response.status == .forbidden, "\(foreign) \(path)")
                    }
                }
            }
            for own in ["127.0.0.1:11434", "localhost", "localhost:11434", "[::1]:11434", "127.0.0.2"] {
                try await client.execute(uri: "/api/tags", method: .get, headers: Self.fields(["Host": own])) { response in
                    #expect(response.status == .ok, "\(own)")
                }
            }
            let keyed = Self.fields(["Host": "evil.example"], to: fixture.operatorKey)
            try await client.execute(uri: "/api/tags", method: .get, headers: keyed) { response in
                #expect(response.status == .ok)
            }
            // Open routes stay open.
            try await client.execute(uri: "/api/version", method: .get, headers: Self.fields(["Host": "evil.example"])) { response in
                #expect(response.status == .ok)
            }
        }
        fixture.home.remove()
    }

    @Test("a cross-origin text/plain POST without a key (CSRF) gets 403 and changes nothing; the server's own origin does not")
    func crossOriginWritesAreRefused() async throws {
        let fixture = try Self.fixture()
        try await fixture.application().test(.router) { client in
            let pull = #"{"model":"evil","url":"http://127.0.0.1:9/evil.gguf","stream":false}"#
            for headers in [Self.fields(["Origin": "http://evil.example", "Content-Type": "text/plain"]), Self.fields(["Origin": "null"]),
                            Self.fields(["Origin": "http://localhost:3000"]), Self.fields(["Origin": "http://127.0.0.1"]),
                            Self.fields(["Sec-Fetch-Site": "cross-site"]), Self.fields(["Sec-Fetch-Site": "same-site"])] {
                for (path, body) in [("/api/pull", pull), ("/api/copy", #"{"source":"smollm2","destination":"stolen"}"#),
                                     ("/api/chat", #"{"model":"not-installed","messages":[]}"#)] {
                    try await client.post(path, body, headers: headers) { response in
                        #expect(response.status == .forbidden, "\(path) \(headers)")
                        #expect(response.object["error"]?.stringValue?.contains("Authorization: Bearer") == true)
                    }
                }
                try await client.execute(uri: "/api/delete", method: .delete, headers: headers, body: ByteBuffer(string: #"{"model":"smollm2"}"#)) { response in
                    #expect(response.status == .forbidden, "delete \(headers)")
                }
            }
            // Nothing changed: the model is still there and no copy was made.
            try await client.execute(uri: "/api/tags", method: .get) { response in
                let names = response.object["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                #expect(names.contains { $0.hasPrefix("smollm2") })
                #expect(!names.contains { $0.hasPrefix("stolen") })
            }
            // The server's own page, and a client that sends no Origin, get through.
            for headers in [Self.fields(["Origin": "http://127.0.0.1:11434", "Sec-Fetch-Site": "same-origin"]),
                            Self.fields(["Origin": "http://localhost:11434"]), Self.fields([:])] {
                try await client.post("/api/copy", #"{"source":"nothing-here","destination":"x"}"#, headers: headers) { response in
                    #expect(response.status == .notFound, "\(headers)")
                }
            }
        }
        fixture.home.remove()
    }
}
