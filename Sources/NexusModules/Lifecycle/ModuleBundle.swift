import Foundation
public import NexusCore
public import NexusStore

/// A module version to share: its manifest and code, the ledger entries that name it, the public
/// keys that signed them, and the exporter's signature over all of it.
///
/// ```json
/// {"format": "nexus-module-bundle/1",
///  "module": {"id": "…", "manifest": {…}, "code": "…"},
///  "entries": [{"position": 3, "action": "promote", …, "signature": "…"}],
///  "keys": {"1f2e…": "base64 public key"},
///  "signer": "1f2e…", "signature": "base64"}
/// ```
public enum ModuleBundle {
    public static let format = "nexus-module-bundle/1"

    /// The bundle of a promoted version, signed with the ledger's key.
    /// - Throws: `NexusError(.lifecycleRefused)` for a draft or a version whose bytes do not match its id.
    public static func export(_ record: ModuleRecord, ledger: Ledger) throws -> JSONValue {
        guard record.stage == .promoted else {
            throw NexusError(.lifecycleRefused, "\(record.name)@\(record.version) is a draft; only promoted versions are exported")
        }
        guard ContentID.module(canonicalManifest: record.manifest, code: record.code) == record.id else {
            throw NexusError(.lifecycleRefused, "the bytes of \(record.name)@\(record.version) no longer match its id; run `nexus verify`")
        }
        let key = try ledger.key()
        let all = try ledger.entries()
        let entries = all.filter { $0.subject == record.id }
        var keys: JSONObject = [:]
        for entry in all where ["key_create", "key_rotate"].contains(entry.action) {
            if let publicKey = entry.detail["public_key"] { keys[entry.subject] = publicKey }
        }
        var body: JSONObject = [
            "format": .string(format),
            "module": ["id": .string(record.id), "manifest": try JSONValue.parse(record.manifest), "code": .string(record.code)],
            "entries": .array(entries.map(LedgerFormat.json)),
            "keys": .object(keys),
            "signer": .string(key.id),
        ]
        body["signature"] = .string(Data(try key.sign(signedBytes(body))).base64EncodedString())
        return .object(body)
    }

    /// A checked bundle: the module's manifest (as promoted) and code, and who signed it.
    public struct Contents: Sendable {
        public var id: String
        public var manifest: ModuleManifest
        public var code: String
        public var signer: String
        public var entries: [LedgerEntryRecord]
    }

    /// Checks a bundle: its signature, the module's bytes against its id, and every entry's
    /// signature under the keys it carries; it must hold the module's promote entry.
    /// - Throws: `NexusError(.verificationFailed)` naming what does not verify.
    public static func verify(_ bundle: JSONValue, source: String) throws -> Contents {
        func failure(_ message: String) -> NexusError { NexusError(.verificationFailed, "the bundle \(source) \(message); it was not imported") }
        guard case .object(var body) = bundle, body["format"]?.stringValue == format else {
            throw failure("is not a \(format) file")
        }
        guard let signatureText = body["signature"]?.stringValue, let signature = Data(base64Encoded: signatureText),
              let signer = body["signer"]?.stringValue, let keys = body["keys"]?.objectValue,
              let signerKey = keys[signer]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw failure("has no signer, key or signature")
        }
        body["signature"] = nil
        guard SigningKey.id(publicKey: Array(signerKey)) == signer,
              SigningKey.verify(signature: Array(signature), message: signedBytes(body), publicKey: Array(signerKey)) else {
            throw failure("has a signature that does not match its contents (altered after export)")
        }
        guard let module = body["module"]?.objectValue, let id = module["id"]?.stringValue, let manifestJSON = module["manifest"],
              let code = module["code"]?.stringValue else {
            throw failure("has no module")
        }
        guard ContentID.module(manifest: manifestJSON, code: code) == id else {
            throw failure("holds a module whose bytes do not match its id \(id)")
        }
        let manifest = try ModuleManifest(json: manifestJSON)
        var entries: [LedgerEntryRecord] = []
        for item in body["entries"]?.arrayValue ?? [] {
            guard let entry = LedgerFormat.entry(json: item), entry.subject == id,
                  let keyText = keys[entry.keyID]?.stringValue, let key = Data(base64Encoded: keyText),
                  SigningKey.id(publicKey: Array(key)) == entry.keyID,
                  let entrySignature = Data(base64Encoded: entry.signature),
                  SigningKey.verify(signature: Array(entrySignature), message: LedgerFormat.signedMessage(entry), publicKey: Array(key)) else {
                throw failure("holds a ledger entry that does not verify")
            }
            entries.append(entry)
        }
        guard entries.contains(where: { $0.action == "promote" }) else {
            throw failure("has no signed promote entry for \(manifest.reference)")
        }
        return Contents(id: id, manifest: manifest, code: code, signer: signer, entries: entries)
    }

    /// The bytes the bundle signature covers: a domain line and the canonical body.
    static func signedBytes(_ body: JSONObject) -> [UInt8] {
        Array("nexus-module-bundle/1\n".utf8) + CanonicalJSON.bytes(.object(body))
    }
}

extension ModuleLifecycle {
    /// Verifies a bundle and adds its module as a draft (the manifest without its attestation),
    /// linked in the graph to the version it came from and the key that signed it.
    /// - Throws: `NexusError(.verificationFailed)` when the bundle does not verify.
    public func importBundle(_ bundle: JSONValue, source: String, actor: String) throws -> (record: ModuleRecord, created: Bool, contents: ModuleBundle.Contents) {
        let contents = try ModuleBundle.verify(bundle, source: source)
        let draft = try createDraft(manifest: .object(contents.manifest.authored.json), code: contents.code, actor: actor)
        let origin = GraphNode(id: contents.id, kind: "module", label: "\(contents.manifest.reference) (imported, promoted elsewhere)",
                               metadata: ["name": .string(contents.manifest.name), "version": .string(contents.manifest.version.description),
                                          "stage": "foreign", "signer": .string(contents.signer)])
        try graph.add(origin)
        try graph.add(GraphNode(id: "key:\(contents.signer)", kind: "key", label: "key \(contents.signer) (foreign)", metadata: ["foreign": true]))
        try graph.link(GraphEdge(source: contents.id, kind: .signedBy, target: "key:\(contents.signer)"))
        try graph.link(GraphEdge(source: draft.record.id, kind: .derivedFrom, target: contents.id))
        return (draft.record, draft.created, contents)
    }
}
