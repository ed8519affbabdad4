public import Foundation
import NexusCore
public import NexusStore

/// What the runtime may act on: only what a validly signed ledger entry records. A row written
/// into the store by anything but Nexus (SQL from a tool, a backdated insert, an edited value, a
/// moved install pointer) has no such entry and is passed over, whatever `nexus verify` is asked
/// later.
public struct SignedLedger: Sendable {
    let database: NexusDatabase
    let home: URL?

    /// - Parameters:
    ///   - database: Where the store and the ledger are.
    ///   - home: `$NEXUS_HOME`, whose key file must be the ledger's current key (a ledger rebuilt
    ///     under another key is not trusted); nil checks the chain of keys in the database alone.
    public init(database: NexusDatabase, home: URL?) {
        self.database = database
        self.home = home
    }

    /// The newest signed version of a self-modifiable `key`, or nil when no version of it is signed.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func currentSetting(key: String) throws -> SelfModification? {
        try currentSettings(keys: [key])[key]
    }

    /// The newest signed version of each of `keys` that has one, by key; the ledger is verified
    /// once for all of them.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func currentSettings(keys: [String]) throws -> [String: SelfModification] {
        let store = SelfModificationStore(database: database)
        let histories = try keys.map { ($0, try store.history(key: $0)) }.filter { !$0.1.isEmpty }
        guard !histories.isEmpty else { return [:] }
        let signed = Set(try verifiedEntries().filter { $0.action == "self_modify" }.map(\.subject))
        var current: [String: SelfModification] = [:]
        for (key, history) in histories {
            current[key] = history.last { signed.contains(ContentID.setting(key: $0.key, version: $0.version, value: $0.value)) }
        }
        return current
    }

    /// Whether `install` (a name's active pointer) is where the newest signed install or rollback
    /// of that name put it.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func isSigned(_ install: ModuleInstall) throws -> Bool {
        let move = try verifiedEntries().last {
            ($0.action == "install" || $0.action == "rollback") && $0.detail["name"]?.stringValue == install.name
        }
        return move?.subject == install.moduleID
    }

    /// The entries whose signatures verify under the chain of keys; none when the key file is not
    /// the chain's current key.
    func verifiedEntries() throws -> [LedgerEntryRecord] {
        let entries = try LedgerStore(database: database).entries()
        var report = VerificationReport()
        let chain = LedgerVerifier.checkEntries(entries, &report)
        if let home {
            guard let key = try? SigningKey.load(home: home), key.id == report.currentKey else { return [] }
        }
        return entries.enumerated().compactMap { chain.verified.contains($0.offset) ? $0.element : nil }
    }
}
