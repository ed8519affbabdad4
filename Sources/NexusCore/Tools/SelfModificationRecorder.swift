/// Records each self-modification in a signed ledger, so that `nexus verify` can prove which
/// changes were made, by whom and when. Nexus's ledger implements it; tools take it as a seam.
public protocol SelfModificationRecorder: Sendable {
    /// Records that `key` was set to `value` as `version` by `actor`.
    /// - Throws: When the entry cannot be signed or stored.
    func recordSelfModification(key: String, version: Int, value: String, reason: String, actor: String) throws
}
