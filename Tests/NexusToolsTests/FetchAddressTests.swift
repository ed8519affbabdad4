import Foundation
import NexusCore
import NexusTools
import Testing

/// `web_fetch` judges a host by the addresses it resolves to, not by its name.
@Suite("web_fetch: what a name resolves to")
struct FetchAddressTests {
    static func check(_ answers: [String: [FetchAddressCheck.Address]], reserved: Set<UInt16> = []) -> FetchAddressCheck {
        FetchAddressCheck(resolve: { host, _ in answers[host] ?? [] }, reservedPorts: reserved)
    }

    static func destinations(_ entries: String...) throws -> [NetworkDestination] {
        try entries.map { try NetworkDestination(entry: $0) }
    }

    @Test("an allowed name that resolves to loopback or a link-local address (cloud metadata) is refused")
    func namesLeadingToThisMachineAreRefused() throws {
        let check = Self.check([
            "intranet.test": [.init(text: "127.0.0.1", isLocal: true)],
            "metadata.test": [.init(text: "169.254.169.254", isLocal: true)],
            "public.test": [.init(text: "93.184.216.34", isLocal: false)],
        ])
        #expect(check.refusal(host: "intranet.test", port: 8080, destinations: try Self.destinations("intranet.test:8080"))?.contains("resolves to 127.0.0.1") == true)
        #expect(check.refusal(host: "metadata.test", port: 80, destinations: try Self.destinations("metadata.test"))?.contains("169.254.169.254") == true)
        #expect(check.refusal(host: "public.test", port: 443, destinations: try Self.destinations("public.test")) == nil)
    }

    @Test("an entry that names loopback itself still reaches it, but never Nexus's own listener")
    func loopbackByNameAndNexusOwnPort() throws {
        let check = Self.check(["127.0.0.1": [.init(text: "127.0.0.1", isLocal: true)], "localhost": [.init(text: "127.0.0.1", isLocal: true)]],
                               reserved: [11434])
        #expect(check.refusal(host: "127.0.0.1", port: 8080, destinations: try Self.destinations("127.0.0.1:8080")) == nil)
        #expect(check.refusal(host: "localhost", port: 8080, destinations: try Self.destinations("localhost")) == nil)
        #expect(check.refusal(host: "127.0.0.1", port: 11434, destinations: try Self.destinations("127.0.0.1"))?.contains("Nexus's own listener") == true)
    }

    @Test("through the tool: the machine's own host name, allowed by name, does not reach a loopback server")
    func theToolRefusesALoopbackName() async throws {
        let name = ProcessInfo.processInfo.hostName
        let resolved = FetchAddressCheck.systemResolve(name, 80)
        guard !resolved.isEmpty, resolved.allSatisfy(\.isLocal), !AccessPolicy.isLoopback(host: name) else { return }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        var policy = CapabilityPolicy.default
        policy.networkHosts = [name]
        let result = try await WebFetchTool().run(["url": .string("http://\(name):9/")], context: ToolContext(workspace: workspace, policy: policy))
        #expect(result.status == .refused)
        #expect(result.content.contains("an address of this machine"))
    }
}
