/// Which agent runs a caller may see and control. A run belongs to the key that started it
/// (`RunRecord.ownerKeyID`); runs started outside the server (`nexus run`) belong to no key.
///
/// | caller                 | reads                       | cancels (and resumes)   |
/// |------------------------|-----------------------------|-------------------------|
/// | admin or owner key     | every run                   | every run               |
/// | operator or viewer key | the runs it started         | the runs it started     |
/// | no key (loopback only) | runs that belong to no key  | none                    |
///
/// A run the caller may not read is answered as if it did not exist (404), so that ids of other
/// keys' runs cannot be probed.
public enum RunAccess {
    /// Whether `caller` may see a run owned by `owner` (a key id; nil for no key).
    public static func mayRead(owner: String?, caller: Caller) -> Bool {
        scope(of: caller).covers(owner: owner)
    }

    /// Whether `caller` may cancel or resume a run owned by `owner`.
    public static func mayControl(owner: String?, caller: Caller) -> Bool {
        switch caller {
        case .anonymous: false
        case .key(let key): key.role >= .admin || (owner != nil && owner == key.id)
        }
    }

    /// The runs `caller` may list.
    public static func scope(of caller: Caller) -> RunScope {
        switch caller {
        case .anonymous: .unowned
        case .key(let key): key.role >= .admin ? .all : .ownedBy(key.id)
        }
    }
}

/// A set of runs by owner, for listing.
public enum RunScope: Sendable, Hashable {
    /// Every run.
    case all
    /// The runs the key with this id started.
    case ownedBy(String)
    /// The runs that belong to no key (started outside the server).
    case unowned

    /// Whether a run with this owner is in the scope.
    public func covers(owner: String?) -> Bool {
        switch self {
        case .all: true
        case .ownedBy(let keyID): owner == keyID
        case .unowned: owner == nil
        }
    }
}
