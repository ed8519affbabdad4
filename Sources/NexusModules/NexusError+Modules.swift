public import NexusCore

extension NexusError.Code {
    /// A module's manifest or folder is not usable; the message names the field and the fix.
    public static let invalidModule = NexusError.Code("invalid_module")
    /// A lifecycle step was refused (install of a draft, an unvalidated promotion, a tampered version, ...).
    public static let lifecycleRefused = NexusError.Code("lifecycle_refused")
    /// A module call failed: a Lua error, a limit reached, an undeclared capability, bad output.
    public static let moduleFailed = NexusError.Code("module_failed")
    /// The ledger, a signature or a content id does not verify.
    public static let verificationFailed = NexusError.Code("verification_failed")
}
