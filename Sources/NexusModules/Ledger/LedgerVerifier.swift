public import Foundation
import NexusCore
public import NexusStore

/// What `nexus verify` found.
public struct VerificationReport: Sendable {
    /// Everything that does not verify, one line each, naming the entry, checkpoint or module.
    public var problems: [String] = []
    /// Things worth knowing that are not failures (changes made before the ledger existed).
    public var notes: [String] = []
    public var entries = 0
    public var checkpoints = 0
    public var modules = 0
    public var selfModifications = 0
    /// Lowercase hex Merkle root of the whole log.
    public var root = ""
    /// The key that signs new entries.
    public var currentKey: String?
    /// The signed head kept outside the database, when there is one.
    public var head: LedgerHead?
    /// Events in the audit log, all checked against its chain and signed head.
    public var auditEvents = 0

    public var passed: Bool { problems.isEmpty }
}

/// Checks the whole ledger and what it vouches for: every entry's signature under the key that
/// was current when it was made (the chain of keys included), every checkpoint's root and
/// signature, that the last checkpoint covers the whole log, every module's bytes against its
/// content id, that every promoted version, install, rollback and live self-modification has its
/// entry, that the key file is the ledger's current key, and that the log is consistent with the
/// signed head kept outside the database (and with a witness's head, when one is given).
public struct LedgerVerifier: Sendable {
    let database: NexusDatabase
    let home: URL

    public init(database: NexusDatabase, home: URL) {
        self.database = database
        self.home = home
    }

    /// Verifies everything. Never throws for a verification failure; failures are in the report.
    /// - Throws: `NexusError` only when the database cannot be read at all.
    /// - Parameters:
    ///   - witness: A head kept by a witness (`nexus verify --head` printed it earlier); the log
    ///     must still contain it unchanged.
    ///   - requireHead: Whether a missing signed head is a problem (only sealing, which writes
    ///     it, does without).
    public func verify(witness: LedgerHead? = nil, requireHead: Bool = true) throws -> VerificationReport {
        var report = VerificationReport()
        let entries: [LedgerEntryRecord]
        let checkpoints: [LedgerCheckpointRecord]
        do {
            entries = try LedgerStore(database: database).entries()
            checkpoints = try LedgerStore(database: database).checkpoints()
        } catch let error as NexusError {
            report.problems.append("the ledger cannot be read (\(error.message)); a row was altered so that it no longer parses")
            return report
        }
        report.entries = entries.count
        report.checkpoints = checkpoints.count
        let keys = Self.checkEntries(entries, &report).keys
        let leaves = entries.map { MerkleTree.leafHash(LedgerFormat.leafData($0)) }
        report.root = ContentID.hex(MerkleTree.root(leaves))
        checkCheckpoints(checkpoints, leaves: leaves, keys: keys, &report)
        checkStoredHead(leaves: leaves, keys: keys, required: requireHead, &report)
        if let witness { check(witness, named: "the witness's head", leaves: leaves, keys: keys, &report) }
        checkKeyFile(&report)
        try checkModules(entries, &report)
        try checkSelfModifications(entries, &report)
        let audit = try Ledger(database: database, home: home).auditLog().verify()
        report.auditEvents = audit.events
        report.problems += audit.problems
        return report
    }

    /// The audit path of entry `position` against the current log, checked.
    /// - Throws: `NexusError(.notFound)` when there is no such entry.
    public func inclusionProof(position: Int) throws -> InclusionProof {
        let entries = try LedgerStore(database: database).entries()
        guard entries.indices.contains(position) else {
            throw NexusError(.notFound, "the ledger has no entry #\(position); it has entries #0 to #\(entries.count - 1)")
        }
        let leaves = entries.map { MerkleTree.leafHash(LedgerFormat.leafData($0)) }
        let proof = MerkleTree.inclusionProof(index: position, leaves: leaves)
        let root = MerkleTree.root(leaves)
        return InclusionProof(entry: entries[position], treeSize: leaves.count, leafHash: ContentID.hex(leaves[position]),
                              path: proof.map(ContentID.hex), root: ContentID.hex(root),
                              verified: MerkleTree.verifyInclusion(index: position, treeSize: leaves.count, leafHash: leaves[position], proof: proof, root: root))
    }

    // MARK: - Checks

    /// Every key seen in the chain, by id, and the positions of the entries whose signatures verify.
    struct KeyChain {
        var keys: [String: [UInt8]] = [:]
        var verified: Set<Int> = []
    }

    /// Walks the chain of keys and checks each entry's signature.
    static func checkEntries(_ entries: [LedgerEntryRecord], _ report: inout VerificationReport) -> KeyChain {
        var keys: [String: [UInt8]] = [:]
        var verified: Set<Int> = []
        var current: String?
        for (index, entry) in entries.enumerated() {
            let name = "ledger entry #\(entry.position) (\(entry.action) \(entry.subject.prefix(16)))"
            if entry.position != index {
                report.problems.append("\(name) is at position \(index) of the log; entries were removed or reordered")
            }
            var signer: [UInt8]?
            switch entry.action {
            case "key_create":
                guard current == nil else {
                    report.problems.append("\(name) creates a second key without a signed rotation; the chain of keys is broken")
                    continue
                }
                signer = introduce(entry, &keys, &report, name: name)
                current = signer == nil ? nil : entry.subject
            case "key_rotate":
                signer = current.flatMap { keys[$0] }
                if signer == nil { report.problems.append("\(name) rotates a key before any key was created") }
                if entry.keyID != current { report.problems.append("\(name) is signed by key \(entry.keyID), not by the current key \(current ?? "none")") }
            default:
                guard let current, entry.keyID == current else {
                    report.problems.append("\(name) is signed by key \(entry.keyID), not by the current key \(current ?? "(none created yet)")")
                    continue
                }
                signer = keys[current]
            }
            guard let signer else { continue }
            guard let signature = Data(base64Encoded: entry.signature),
                  SigningKey.verify(signature: Array(signature), message: LedgerFormat.signedMessage(entry), publicKey: signer) else {
                report.problems.append("\(name): the signature does not match the entry; its bytes were altered after signing")
                continue
            }
            verified.insert(index)
            if entry.action == "key_rotate", introduce(entry, &keys, &report, name: name) != nil {
                current = entry.subject
            }
        }
        report.currentKey = current
        return KeyChain(keys: keys, verified: verified)
    }

    /// Adds the key an entry introduces (subject = key id, detail.public_key), checking the id.
    private static func introduce(_ entry: LedgerEntryRecord, _ keys: inout [String: [UInt8]], _ report: inout VerificationReport, name: String) -> [UInt8]? {
        guard let text = entry.detail["public_key"]?.stringValue, let data = Data(base64Encoded: text), data.count == 32 else {
            report.problems.append("\(name) has no valid public_key")
            return nil
        }
        let publicKey = Array(data)
        guard SigningKey.id(publicKey: publicKey) == entry.subject else {
            report.problems.append("\(name): the public key does not have the id \(entry.subject)")
            return nil
        }
        keys[entry.subject] = publicKey
        return publicKey
    }

    private func checkCheckpoints(_ checkpoints: [LedgerCheckpointRecord], leaves: [[UInt8]], keys: [String: [UInt8]], _ report: inout VerificationReport) {
        for checkpoint in checkpoints {
            let name = "checkpoint of \(checkpoint.treeSize) entries"
            guard checkpoint.treeSize <= leaves.count else {
                report.problems.append("\(name) is larger than the log (\(leaves.count) entries); entries were removed")
                continue
            }
            let root = ContentID.hex(MerkleTree.root(leaves[..<checkpoint.treeSize]))
            if root != checkpoint.rootHash {
                let culprit = firstAltered(upTo: checkpoint.treeSize, leaves: leaves, checkpoints: checkpoints)
                report.problems.append("\(name): its root \(checkpoint.rootHash.prefix(16))… does not match the log's \(root.prefix(16))…; \(culprit)")
            }
            guard let key = keys[checkpoint.keyID], let signature = Data(base64Encoded: checkpoint.signature),
                  SigningKey.verify(signature: Array(signature), message: LedgerFormat.signedMessage(checkpoint), publicKey: key) else {
                report.problems.append("\(name): the signature by key \(checkpoint.keyID) does not verify; the checkpoint was altered")
                continue
            }
        }
        if let last = checkpoints.last {
            if last.treeSize < leaves.count {
                report.problems.append("ledger entries #\(last.treeSize) to #\(leaves.count - 1) are not covered by a signed checkpoint; they were added outside Nexus")
            }
        } else if !leaves.isEmpty {
            report.problems.append("the ledger has \(leaves.count) entries but no signed checkpoint; the checkpoints were removed")
        }
    }

    /// Names the first entry that changed: the first whose prefix root no longer matches a
    /// checkpoint of that size.
    private func firstAltered(upTo size: Int, leaves: [[UInt8]], checkpoints: [LedgerCheckpointRecord]) -> String {
        let bySize = Dictionary(checkpoints.map { ($0.treeSize, $0.rootHash) }, uniquingKeysWith: { first, _ in first })
        for size in 1...max(1, size) where size <= leaves.count {
            if let root = bySize[size], ContentID.hex(MerkleTree.root(leaves[..<size])) != root {
                return "ledger entry #\(size - 1) was altered"
            }
        }
        return "the checkpoint itself was altered"
    }

    /// The head in `$NEXUS_HOME/ledger.head`: written after every append, so a log without one,
    /// or one shorter than it, lost entries.
    private func checkStoredHead(leaves: [[UInt8]], keys: [String: [UInt8]], required: Bool, _ report: inout VerificationReport) {
        let path = LedgerHead.file(home: home).path
        do {
            guard let head = try LedgerHead.load(home: home) else {
                if required && !leaves.isEmpty {
                    report.problems.append("the signed head \(path) is missing though the ledger has \(leaves.count) entries; it was removed, or this home predates signed heads (then `nexus verify --seal` writes it from the verified log)")
                }
                return
            }
            report.head = head
            check(head, named: "the signed head \(path)", leaves: leaves, keys: keys, &report)
        } catch let error as NexusError {
            report.problems.append(error.message)
        } catch {
            report.problems.append("\(error)")
        }
    }

    /// A head must be signed by a key of the chain and be a prefix of the log (RFC 6962 consistency).
    private func check(_ head: LedgerHead, named name: String, leaves: [[UInt8]], keys: [String: [UInt8]], _ report: inout VerificationReport) {
        guard let key = keys[head.keyID], let signature = Data(base64Encoded: head.signature),
              SigningKey.verify(signature: Array(signature), message: LedgerFormat.signedMessage(head.checkpoint), publicKey: key) else {
            report.problems.append("\(name) (\(head.treeSize) entries) is not signed by a key of this ledger; it was altered, or the ledger was replaced")
            return
        }
        guard head.treeSize <= leaves.count else {
            report.problems.append("\(name) names \(head.treeSize) entries, but the log has \(leaves.count): entries #\(leaves.count) to #\(head.treeSize - 1) were cut off the end of the log")
            return
        }
        let proof = MerkleTree.consistencyProof(size: head.treeSize, leaves: leaves)
        guard let headRoot = ContentID.bytes(hex: head.rootHash),
              MerkleTree.verifyConsistency(firstSize: head.treeSize, secondSize: leaves.count, firstRoot: headRoot,
                                           secondRoot: MerkleTree.root(leaves), proof: proof) else {
            report.problems.append("\(name) (\(head.treeSize) entries, root \(head.rootHash.prefix(16))…) is not a prefix of the log: entries it covers were altered or replaced")
            return
        }
    }

    /// The consistency proof from `head` to the current log, as hex hashes (for a witness).
    /// - Throws: `NexusError(.invalidArgument)` when the head is larger than the log.
    public func consistencyProof(from head: LedgerHead) throws -> [String] {
        let leaves = try LedgerStore(database: database).entries().map { MerkleTree.leafHash(LedgerFormat.leafData($0)) }
        guard head.treeSize <= leaves.count else {
            throw NexusError(.invalidArgument, "the head names \(head.treeSize) entries, but the log has \(leaves.count)")
        }
        return MerkleTree.consistencyProof(size: head.treeSize, leaves: leaves).map(ContentID.hex)
    }

    /// Writes the newest checkpoint of a log that verifies as the signed head (for homes made
    /// before heads existed).
    /// - Throws: `NexusError(.verificationFailed)` when the log does not verify; `.ioError`.
    public func seal() throws -> LedgerHead {
        let report = try verify(requireHead: false)
        guard report.passed else {
            throw NexusError(.verificationFailed, "the ledger does not verify, so it is not sealed: \(report.problems[0])")
        }
        guard let last = try LedgerStore(database: database).checkpoints().last else {
            throw NexusError(.invalidArgument, "the ledger is empty; there is nothing to seal")
        }
        try LedgerHead.advance(home: home, to: last)
        return LedgerHead(last)
    }

    private func checkKeyFile(_ report: inout VerificationReport) {
        do {
            guard let key = try SigningKey.load(home: home) else {
                if let current = report.currentKey {
                    report.problems.append("the ledger key file \(SigningKey.file(home: home).path) is missing; the ledger's current key is \(current)")
                }
                return
            }
            if let current = report.currentKey, key.id != current {
                report.problems.append("the ledger key file holds key \(key.id), but the ledger's current key is \(current)")
            }
        } catch let error as NexusError {
            report.problems.append(error.message)
        } catch {
            report.problems.append("\(error)")
        }
    }

    private func checkModules(_ entries: [LedgerEntryRecord], _ report: inout VerificationReport) throws {
        let store = ModuleStore(database: database)
        let modules = try store.all()
        report.modules = modules.count
        let byID = Dictionary(modules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for module in modules where ContentID.module(canonicalManifest: module.manifest, code: module.code) != module.id {
            report.problems.append("module \(module.name)@\(module.version) (\(module.stage.rawValue), nexus://\(module.id)): its bytes no longer match its content id; its manifest or code was altered")
        }
        let promotions = Set(entries.filter { $0.action == "promote" }.map(\.subject))
        for module in modules where module.stage == .promoted && !promotions.contains(module.id) {
            report.problems.append("module \(module.name)@\(module.version) (nexus://\(module.id)) is promoted but has no promote entry in the ledger; it was added outside Nexus")
        }
        for entry in entries where ["promote", "install", "rollback"].contains(entry.action) && byID[entry.subject] == nil {
            report.problems.append("ledger entry #\(entry.position) (\(entry.action)) names module nexus://\(entry.subject), which is not in the graph")
        }
        let moves = entries.filter { $0.action == "install" || $0.action == "rollback" }
        let installs = try store.installs()
        for (index, install) in installs.enumerated() {
            guard index < moves.count else {
                report.problems.append("install history row \(install.id ?? 0) (\(install.action.rawValue) \(install.name)) has no ledger entry; it was added outside Nexus")
                continue
            }
            let entry = moves[index]
            if entry.subject != install.moduleID || entry.action != install.action.rawValue || entry.detail["name"]?.stringValue != install.name {
                report.problems.append("ledger entry #\(entry.position) (\(entry.action) \(entry.detail["name"]?.stringValue ?? "?")) does not match install history row \(install.id ?? 0) (\(install.action.rawValue) \(install.name) → \(install.moduleID.prefix(16))); the active version was changed outside Nexus")
            }
        }
        if moves.count > installs.count {
            report.problems.append("ledger entry #\(moves[installs.count].position) (\(moves[installs.count].action)) has no row in the install history; rows were removed")
        }
    }

    /// Every live version must be backed by an entry (a backdated row is not exempt), so must every
    /// version made since the ledger began, and every recorded version must still be in the store.
    private func checkSelfModifications(_ entries: [LedgerEntryRecord], _ report: inout VerificationReport) throws {
        let store = SelfModificationStore(database: database)
        let signedEntries = Dictionary(entries.filter { $0.action == "self_modify" }.map { ($0.subject, $0) }, uniquingKeysWith: { first, _ in first })
        let recorded = Set(signedEntries.keys)
        let ledgerStart = entries.first.map { Date(timeIntervalSince1970: Double($0.timeMillis) / 1000) }
        var present: Set<String> = []
        var unrecorded = 0
        for current in try store.currentAll() {
            for version in try store.history(key: current.key) {
                report.selfModifications += 1
                let id = ContentID.setting(key: version.key, version: version.version, value: version.value)
                present.insert(id)
                if let entry = signedEntries[id] {
                    // Who made it is signed in the entry; the row's copy must say the same.
                    if entry.actor != version.actor {
                        report.problems.append("self-modification \(version.key) version \(version.version) says it was made by '\(version.actor.prefix(40))', but its ledger entry #\(entry.position) says '\(entry.actor.prefix(40))'; the row was altered outside Nexus")
                    }
                    continue
                }
                if version.version == current.version {
                    report.problems.append("self-modification \(version.key) version \(version.version) is the live value but has no matching ledger entry; it was made or altered outside Nexus, and the agent does not use it")
                } else if let ledgerStart, version.createdAt.addingTimeInterval(1) >= ledgerStart {
                    report.problems.append("self-modification \(version.key) version \(version.version) has no matching ledger entry; it was made or altered outside Nexus")
                } else {
                    unrecorded += 1
                }
            }
        }
        for entry in entries where entry.action == "self_modify" && !present.contains(entry.subject) {
            let key = entry.detail["key"]?.stringValue ?? "?"
            let version = entry.detail["version"]?.numberValue.map { String(Int($0)) } ?? "?"
            report.problems.append("ledger entry #\(entry.position) records self-modification \(key) version \(version), which is no longer in the store as signed; it was removed or altered")
        }
        if unrecorded > 0 {
            report.notes.append("\(unrecorded) earlier self-modification(s) predate the ledger and are not covered by it")
        }
    }
}

/// The audit path of one entry (RFC 6962), with the result of checking it.
public struct InclusionProof: Sendable {
    public var entry: LedgerEntryRecord
    public var treeSize: Int
    public var leafHash: String
    public var path: [String]
    public var root: String
    public var verified: Bool
}
