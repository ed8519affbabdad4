import Foundation
import NexusCore
import NexusModules
import NexusStore
import Testing

@Suite("The signed ledger", .serialized)
struct LedgerTests {
    /// Certificate Transparency's test leaves and the roots of their first n leaves.
    static let leaves: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                                    [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57], Array(0x60...0x6f)]
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("Merkle roots match RFC 6962 test vectors; every inclusion proof verifies, and a wrong leaf does not")
    func merkle() {
        let hashes = Self.leaves.map(MerkleTree.leafHash)
        for size in 1...hashes.count {
            #expect(Self.hex(MerkleTree.root(Array(hashes.prefix(size)))) == Self.roots[size - 1], "size \(size)")
        }
        #expect(Self.hex(MerkleTree.root([[UInt8]]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let many = (0..<37).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) }
        for size in 1...many.count {
            let tree = Array(many.prefix(size))
            let root = MerkleTree.root(tree)
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index: index, leaves: tree)
                #expect(MerkleTree.verifyInclusion(index: index, treeSize: size, leafHash: tree[index], proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(index: index, treeSize: size, leafHash: MerkleTree.leafHash([9]), proof: proof, root: root))
            }
        }
    }

    @Test("the key is created on first use, owner-only, and rotation keeps the chain verifiable")
    func keys() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let first = try home.ledger.key()
        let file = SigningKey.file(home: home.url)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        try await home.release("before", body: "return {}")
        let rotation = try home.ledger.rotateKey(actor: "test")
        #expect(rotation.keyID == first.id)
        #expect(try home.ledger.key().id == rotation.subject)
        try await home.release("after", body: "return {}")
        let report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.passed, "\(report.problems)")
        #expect(report.currentKey == rotation.subject)
    }

    @Test("verify names the module whose code was altered with raw SQL")
    func tamperedModule() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let promoted = try await home.release("target", body: "return {a = 1}")
        try home.sql("DROP TRIGGER module_versions_no_update")
        try home.sql("UPDATE module_versions SET code = replace(code, 'a = 1', 'a = 2') WHERE id = '\(promoted.id)'")
        let report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(!report.passed)
        #expect(report.problems.contains { $0.contains("module target@1.0.0") && $0.contains(promoted.id) && $0.contains("altered") })
    }

    @Test("verify names the ledger entry whose bytes were altered with raw SQL")
    func tamperedEntry() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try await home.release("target", body: "return {}")
        try home.sql("DROP TRIGGER ledger_entries_no_update")
        try home.sql("UPDATE ledger_entries SET actor = 'someone else' WHERE position = 2")
        let report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.problems.contains { $0.hasPrefix("ledger entry #2 (install") && $0.contains("signature") })
        #expect(report.problems.contains { $0.contains("ledger entry #2 was altered") })
    }

    @Test("verify catches a removed entry, a forged checkpoint, a moved install pointer and an edited self-modification")
    func tamperedLog() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try await home.release("one", body: "return {}")
        try await home.release("two", body: "return {}")
        let tool = try #require(home.runtime.tools.tool(named: "self_modify"))
        #expect(try await tool.run(["key": "soul", "value": "calm", "reason": "test"], context: home.context()).status == .ok)
        #expect(try LedgerVerifier(database: home.database, home: home.url).verify().passed)

        try home.sql("DROP TRIGGER ledger_checkpoints_no_update")
        try home.sql("UPDATE ledger_checkpoints SET root_hash = '00' || substr(root_hash, 3) WHERE tree_size = 3")
        var report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.problems.contains { $0.hasPrefix("checkpoint of 3 entries") })

        try home.sql("DROP TRIGGER self_modifications_no_update")
        try home.sql("UPDATE self_modifications SET value = 'angry' WHERE key = 'soul'")
        report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.problems.contains { $0.contains("self-modification soul version 1") })

        try home.sql("DROP TRIGGER module_installs_no_update")
        let one = try #require(try ModuleStore(database: home.database).active(name: "one"))
        try home.sql("UPDATE module_installs SET module_id = (SELECT id FROM module_versions WHERE name = 'one' AND stage = 'draft') WHERE id = \(one.id ?? 0)")
        report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.problems.contains { $0.contains("does not match install history") })

        try home.sql("DROP TRIGGER ledger_entries_no_delete")
        try home.sql("DELETE FROM ledger_entries WHERE position = 1")
        report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.problems.contains { $0.contains("entries were removed") })
    }
}
