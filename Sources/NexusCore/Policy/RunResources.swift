import Synchronization

/// What a run opens once and shares between all its tool calls until it ends: the file tools'
/// pinned roots (directory descriptors), so that nothing changed on disk during the run (a root
/// swapped for a symbolic link) moves what the policy names.
///
/// Each value is made on first use under a key its owner chooses, and released with the run.
/// NexusCore does no I/O itself: the values are made by the targets that own them.
public final class RunResources: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])

    public init() {}

    /// The value stored under `key`, made by `make` the first time it is asked for.
    /// - Parameters:
    ///   - key: A name its owner chooses (prefixed by its kind, like `workspace-roots:`).
    ///   - make: Makes the value; it runs at most once per key (under a lock, so keep it short).
    public func value<Value: Sendable>(forKey key: String, orMake make: () -> Value) -> Value {
        values.withLock { stored in
            if let existing = stored[key] as? Value { return existing }
            let made = make()
            stored[key] = made
            return made
        }
    }
}
