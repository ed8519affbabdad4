public import Foundation
import NexusCore
public import NexusStore

/// The self-modifications the agent may act on: for each key, the newest version that a validly
/// signed ledger entry records. A row written into `self_modifications` by anything but Nexus
/// (SQL from a tool, a backdated insert, an edited value) has no such entry and is passed over,
/// so it never becomes the live system prompt, whatever `nexus verify` is asked later.
public struct SignedSettings: Sendable {
    let database: NexusDatabase
    let home: URL?

    /// - Parameters:
    ///   - database: Where the versions and the ledger are.
    ///   - home: `$NEXUS_HOME`, whose key file must be the ledger's current key (a ledger rebuilt
    ///     under another key is not trusted); nil checks the chain of keys in the database alone.
    public init(database: NexusDatabase, home: URL?) {
        self.database = database
        self.home = home
    }

    /// The newest signed version of `key`, or nil when no version of it is signed.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func current(key: String) throws -> SelfModification? {
        let history = try SelfModificationStore(database: database).history(key: key)
        guard !history.isEmpty else { return nil }
        let signed = try signedSubjects()
        return history.last { signed.contains(ContentID.setting(key: $0.key, version: $0.version, value: $0.value)) }
    }

    /// The subjects of the self_modify entries whose signatures verify under the chain of keys.
    private func signedSubjects() throws -> Set<String> {
        let entries = try LedgerStore(database: database).entries()
        var report = VerificationReport()
        let verifier = LedgerVerifier(database: database, home: home ?? URL(fileURLWithPath: "/"))
        let chain = verifier.checkEntries(entries, &report)
        if let home {
            guard let key = try? SigningKey.load(home: home), key.id == report.currentKey else { return [] }
        }
        return Set(entries.enumerated().compactMap { index, entry in
            entry.action == "self_modify" && chain.verified.contains(index) ? entry.subject : nil
        })
    }
}
