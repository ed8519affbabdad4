import Foundation
import NexusCore
import NexusTools
import Testing

private func policyError(_ text: String, _ format: PolicyFile.Format = .toml, source: String = "policy.toml") -> String? {
    do {
        _ = try PolicyFile.parse(text, format: format, source: source)
        return nil
    } catch let error as NexusError {
        #expect(error.code == .invalidPolicy)
        return error.message
    } catch {
        return "\(error)"
    }
}

@Suite struct PolicyFileTests {
    static let fullTOML = """
        # What the agent may touch.
        read = [".", "/usr/share/dict"]
        write = ['out']            # literal strings work too
        commands = [
            "ls",
            "python3",             # trailing comma allowed
        ]
        network = ["127.0.0.1:8080", "Example.COM"]
        env = ["PATH", "LANG"]
        databases = ["data/app.sqlite"]

        [limits]
        cpu_seconds = 10
        wall_seconds = 2.5
        memory_mb = 256
        processes = 8
        output_kb = 32
        """

    static let expected = CapabilityPolicy(
        readablePaths: [".", "/usr/share/dict"], writablePaths: ["out"], commands: ["ls", "python3"],
        networkHosts: ["127.0.0.1:8080", "example.com"], environment: ["PATH", "LANG"], databases: ["data/app.sqlite"],
        limits: ResourceLimits(cpuSeconds: 10, wallSeconds: 2.5, memoryBytes: 256 << 20, processes: 8, outputBytes: 32 << 10)
    )

    @Test func readsEveryKeyFromTOML() throws {
        #expect(try PolicyFile.parse(Self.fullTOML, format: .toml, source: "p.toml") == Self.expected)
    }

    @Test func readsTheSameFromJSON() throws {
        let json = """
            {"read": [".", "/usr/share/dict"], "write": ["out"], "commands": ["ls", "python3"],
             "network": ["127.0.0.1:8080", "Example.COM"], "env": ["PATH", "LANG"], "databases": ["data/app.sqlite"],
             "limits": {"cpu_seconds": 10, "wall_seconds": 2.5, "memory_mb": 256, "processes": 8, "output_kb": 32}}
            """
        #expect(try PolicyFile.parse(json, format: .json, source: "p.json") == Self.expected)
    }

    @Test func absentKeysKeepTheDefaults() throws {
        #expect(try PolicyFile.parse("", format: .toml, source: "empty.toml") == .default)
        let policy = try PolicyFile.parse("network = [\"[::1]:8080\"]\n[limits]\noutput_kb = 8", format: .toml, source: "p.toml")
        var expected = CapabilityPolicy.default
        expected.networkHosts = ["[::1]:8080"]
        expected.limits.outputBytes = 8 << 10
        #expect(policy == expected)
    }

    @Test func commandsCanBeAny() throws {
        #expect(try PolicyFile.parse(#"commands = "any""#, format: .toml, source: "p.toml").commands == nil)
        #expect(try PolicyFile.parse(#"{"commands": "any"}"#, format: .json, source: "p.json").commands == nil)
        #expect(try PolicyFile.parse("commands = []", format: .toml, source: "p.toml").commands == [])
        #expect(policyError(#"commands = "all""#) == #"policy.toml line 1: 'commands' must be a list of command names or "any", not "all""#)
    }

    @Test func unknownKeysAreErrorsNamingTheKeyAndTheFile() {
        #expect(policyError("read = [\".\"]\nreed = [\"/\"]") == """
            policy.toml line 2: unknown key 'reed' (did you mean 'read'?); known keys: read, write, commands, network, env, databases, memory, self_modify, build_modules, mcp, limits
            """)
        #expect(policyError("[limits]\ncpu_second = 3") == """
            policy.toml line 2: unknown key 'limits.cpu_second' (did you mean 'cpu_seconds'?); known keys: cpu_seconds, wall_seconds, memory_mb, processes, output_kb
            """)
        #expect(policyError(#"{"allow_everything": true}"#, .json, source: "p.json")
            == "p.json: unknown key 'allow_everything'; known keys: read, write, commands, network, env, databases, memory, self_modify, build_modules, mcp, limits")
        #expect(policyError("[limit]\ncpu_seconds = 3")?.hasPrefix("policy.toml line 1: unknown key 'limit' (did you mean 'limits'?)") == true)
    }

    @Test func wrongValuesAreErrors() {
        #expect(policyError(#"read = ".""#) == #"policy.toml line 1: 'read' must be a list of paths, like ["..."]"#)
        #expect(policyError("write = [1]") == "policy.toml line 1: 'write' must be a list of paths; 1 is not a non-empty string")
        #expect(policyError(#"network = ["http://example.com"]"#)?.contains("the network entry 'http://example.com' is not a host or host:port") == true)
        #expect(policyError(#"network = ["example.com:99999"]"#) != nil)
        #expect(policyError(#"env = ["NOT-A-NAME"]"#) == "policy.toml line 1: 'env' 'NOT-A-NAME' is not an environment variable name")
        #expect(policyError("[limits]\noutput_kb = 1.5") == "policy.toml line 2: 'limits.output_kb' must be a whole number from 1 to 1073741824")
        #expect(policyError("[limits]\nprocesses = 0") != nil)
        #expect(policyError("[limits]\nwall_seconds = -1") == "policy.toml line 2: 'limits.wall_seconds' must be a number of seconds greater than 0")
        #expect(policyError("limits = 3") == "policy.toml line 1: 'limits' must be a table ([limits] in TOML, an object in JSON)")
        #expect(policyError("[1, 2]", .json, source: "p.json") == #"the policy file p.json must hold a JSON object like {"read": ["."]}"#)
    }

    @Test func tomlOutsideTheSubsetIsRejectedWithItsLine() {
        let cases: [(String, String)] = [
            ("limits = { cpu_seconds = 1 }", "line 1: inline tables"),
            ("limits.cpu_seconds = 1", "line 1: dotted keys"),
            ("read = [\"a\"]\nwrite = \"\"\"x\"\"\"", "line 2: multi-line strings"),
            ("[[limits]]", "line 1: arrays of tables"),
            ("read = [\"a\"] write = []", "line 1: unexpected 'w' after a value"),
            ("read = [\"a\"]\nread = [\"b\"]", "line 2: the key 'read' is set twice"),
            ("read = [\"a\"", "line 1: an array is not closed"),
            ("read = [a]", "line 1: 'a' is not a value; strings need quotes"),
            ("\"read\" = []", "line 1: quoted keys"),
            ("[limits]\ncpu_seconds = 0x10", "line 2: hexadecimal"),
            ("when = 1979-05-27", "line 1: dates and times"),
        ]
        for (text, expected) in cases {
            let message = policyError(text)
            #expect(message?.hasPrefix("policy.toml \(expected)") == true, "\(text): \(message ?? "accepted")")
        }
    }

    @Test func tomlStringsAndNumbers() throws {
        let policy = try PolicyFile.parse(#"""
            read = ["tab\there", "quote\"", "\u00e9", 'C:\raw']
            [limits]
            cpu_seconds = 1_000
            wall_seconds = 3
            """#, format: .toml, source: "p.toml")
        #expect(policy.readablePaths == ["tab\there", "quote\"", "é", #"C:\raw"#])
        #expect(policy.limits.cpuSeconds == 1000)
        #expect(policy.limits.wallSeconds == 3)
    }

    @Test func writtenPoliciesReadBackTheSame() throws {
        for policy in [CapabilityPolicy.default, Self.expected, CapabilityPolicy(commands: nil)] {
            #expect(try PolicyFile.parse(PolicyFile.toml(policy), format: .toml, source: "round-trip.toml") == policy)
        }
    }

    @Test func writesToNexusItselfAreCapabilitiesOffForAReadOnlyPolicy() throws {
        let readOnly = try PolicyFile.parse("read = [\".\"]\nwrite = []\n", format: .toml, source: "p.toml")
        #expect(!readOnly.allowsMemoryWrites)
        #expect(!readOnly.allowsSelfModification)
        #expect(CapabilityPolicy.default.allowsMemoryWrites && CapabilityPolicy.default.allowsSelfModification)

        let explicit = try PolicyFile.parse("write = []\nmemory = true\nself_modify = false\n", format: .toml, source: "p.toml")
        #expect(explicit.allowsMemoryWrites)
        #expect(!explicit.allowsSelfModification)
        #expect(try PolicyFile.parse(PolicyFile.toml(explicit), format: .toml, source: "round-trip.toml") == explicit)
        #expect(try PolicyFile.parse(#"{"self_modify": false}"#, format: .json, source: "p.json").allowsSelfModification == false)

        let error = #expect(throws: NexusError.self) {
            try PolicyFile.parse("memory = \"yes\"\n", format: .toml, source: "p.toml")
        }
        #expect(error?.message == "p.toml line 1: 'memory' must be true or false")
    }

    @Test func loadsFilesByExtension() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let toml = folder.appendingPathComponent("policy.toml")
        try Data(Self.fullTOML.utf8).write(to: toml)
        #expect(try PolicyFile.load(toml) == Self.expected)
        #expect(try PolicyFile.load(path: toml.path) == Self.expected)

        let typo = folder.appendingPathComponent("typo.toml")
        try Data("netwrok = []".utf8).write(to: typo)
        #expect(throws: NexusError.self) { try PolicyFile.load(typo) }
        do {
            _ = try PolicyFile.load(typo)
        } catch let error as NexusError {
            #expect(error.message.hasPrefix("\(typo.path) line 1: unknown key 'netwrok' (did you mean 'network'?)"))
        }
        let yaml = folder.appendingPathComponent("policy.yaml")
        try Data().write(to: yaml)
        #expect(throws: NexusError.self) { try PolicyFile.load(yaml) }
        #expect(throws: NexusError.self) { try PolicyFile.load(folder.appendingPathComponent("missing.toml")) }
    }

    @Test func theExamplesInTheDocsAreValidPolicies() throws {
        let docs = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/policy.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var blocks: [(PolicyFile.Format, String)] = []
        for (format, fence) in [(PolicyFile.Format.toml, "```toml\n"), (.json, "```json\n")] {
            var rest = Substring(text)
            while let start = rest.range(of: fence), let end = rest[start.upperBound...].range(of: "```") {
                blocks.append((format, String(rest[start.upperBound..<end.lowerBound])))
                rest = rest[end.upperBound...]
            }
        }
        #expect(blocks.count >= 5)
        for (format, block) in blocks {
            #expect(throws: Never.self, "\(block)") { try PolicyFile.parse(block, format: format, source: "docs/policy.md") }
        }
        // The first block is the default policy.
        #expect(try PolicyFile.parse(blocks[0].1, format: .toml, source: "docs/policy.md") == .default)
    }

    @Test func overridesAddToThePolicy() throws {
        let overrides = PolicyOverrides(read: ["/data", "."], write: ["out"], commands: ["git", "ls"],
                                        hosts: ["LOCALHOST:8080"], environment: ["HOME", "TOKEN"], maxOutputKB: 16)
        try overrides.validate()
        let policy = overrides.applied(to: .default)
        #expect(policy.readablePaths == [".", "/data"])
        #expect(policy.writablePaths == [".", "out"])
        #expect(policy.commands == CapabilityPolicy.defaultCommands + ["git"])
        #expect(policy.networkHosts == ["localhost:8080"])
        #expect(policy.environment == ["PATH", "LANG", "HOME", "TERM", "TOKEN"])
        #expect(policy.limits.outputBytes == 16 << 10)
        #expect(PolicyOverrides().applied(to: Self.expected) == Self.expected)
        #expect(PolicyOverrides().isEmpty)

        let any = PolicyOverrides(commands: ["git"], anyCommand: true).applied(to: .default)
        #expect(any.commands == nil)
        #expect(PolicyOverrides(commands: ["git"]).applied(to: CapabilityPolicy(commands: nil)).commands == nil)
    }

    @Test func invalidOverridesAreNamed() {
        for (overrides, prefix) in [
            (PolicyOverrides(hosts: ["http://x/"]), "--allow-host http://x/:"),
            (PolicyOverrides(environment: ["1BAD"]), "--pass-env 1BAD:"),
            (PolicyOverrides(read: [""]), "--allow-read needs"),
            (PolicyOverrides(maxOutputKB: 0), "--max-output-kb 0:"),
        ] {
            do {
                try overrides.validate()
                Issue.record("accepted \(overrides)")
            } catch let error as NexusError {
                #expect(error.message.hasPrefix(prefix), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func networkEntries() throws {
        let entry = try NetworkDestination(entry: "Example.com:8443")
        #expect(entry.allows(host: "EXAMPLE.com", port: 8443))
        #expect(!entry.allows(host: "example.com", port: 443))
        #expect(!entry.allows(host: "api.example.com", port: 8443))
        let anyPort = try NetworkDestination(entry: "[::1]")
        #expect(anyPort.allows(host: "[::1]", port: 1))
        #expect(anyPort.description == "[::1]")
        #expect(try NetworkDestination(entry: "::1").host == "::1")
        for bad in ["", "a b", "http://a", "a:0", "a:x", "user@host", "[::1"] {
            #expect(throws: NexusError.self, "\(bad)") { try NetworkDestination(entry: bad) }
        }
    }
}
