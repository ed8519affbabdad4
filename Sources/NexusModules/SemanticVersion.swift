import Foundation

/// A semantic version `MAJOR.MINOR.PATCH` with an optional `-prerelease` (build metadata after
/// `+` is kept but ignored when comparing).
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var prerelease: [String]
    public var build: String?

    /// Parses `text`, or returns nil when it is not `N.N.N[-pre][+build]` with no leading zeros.
    public init?(_ text: String) {
        var rest = Substring(text)
        if let plus = rest.firstIndex(of: "+") {
            build = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
            guard build?.isEmpty == false else { return nil }
        } else {
            build = nil
        }
        if let dash = rest.firstIndex(of: "-") {
            prerelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !prerelease.isEmpty, prerelease.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }) else {
                return nil
            }
            rest = rest[..<dash]
        } else {
            prerelease = []
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), part == "0" || part.first != "0", let number = Int(part) else {
                return nil
            }
            numbers.append(number)
        }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
    }

    public var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.joined(separator: ".") }
        if let build { text += "+" + build }
        return text
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false):
            for (a, b) in zip(lhs.prerelease, rhs.prerelease) where a != b {
                switch (Int(a), Int(b)) {
                case let (x?, y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a < b
                }
            }
            return lhs.prerelease.count < rhs.prerelease.count
        }
    }
}

/// Which versions of a dependency a module accepts: `1.2.3` (exactly), `^1.2.3` (same major,
/// at least this), `~1.2.3` (same major and minor), `>=1.2.3`, or `*` (any).
public struct VersionRequirement: Sendable, Hashable, CustomStringConvertible {
    enum Operator: String, Sendable { case exact = "", caret = "^", tilde = "~", atLeast = ">=", any = "*" }

    let op: Operator
    let base: SemanticVersion?
    public let description: String

    /// Parses a requirement, or returns nil when it is none of the accepted forms.
    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        description = text
        if text == "*" {
            op = .any
            base = nil
            return
        }
        for candidate in [Operator.atLeast, .caret, .tilde] where text.hasPrefix(candidate.rawValue) {
            guard let version = SemanticVersion(String(text.dropFirst(candidate.rawValue.count))) else { return nil }
            op = candidate
            base = version
            return
        }
        guard let version = SemanticVersion(text) else { return nil }
        op = .exact
        base = version
    }

    /// Whether `version` satisfies the requirement.
    public func accepts(_ version: SemanticVersion) -> Bool {
        guard let base else { return true }
        switch op {
        case .any: return true
        case .exact: return version == base
        case .atLeast: return version >= base
        case .caret: return version >= base && version.major == base.major && (base.major > 0 || version.minor == base.minor)
        case .tilde: return version >= base && version.major == base.major && version.minor == base.minor
        }
    }
}
