/// Values a validation report must never contain: those of the credentials a module declares
/// and of every variable whose name says it is a secret, as Nexus's environment holds them.
/// Tests never receive them (they get stand-ins); masking them is the second line.
enum SecretValues {
    /// Shorter values are left alone: masking them would garble ordinary words.
    static let minimumLength = 6
    private static let secretWords = ["KEY", "TOKEN", "SECRET", "PASS", "CREDENTIAL", "AUTH", "COOKIE", "SESSION", "PRIVATE"]

    static func of(_ environment: [String: String], declared: [String]) -> [String] {
        var values = Set<String>()
        for (name, value) in environment where value.count >= minimumLength {
            let upper = name.uppercased()
            if declared.contains(name) || secretWords.contains(where: upper.contains) { values.insert(value) }
        }
        // Longest first, so a value containing another is masked whole.
        return values.sorted { $0.count > $1.count }
    }
}

extension ValidationReport {
    /// Masks every occurrence of `secrets` in the checks' messages and hints.
    mutating func redact(_ secrets: [String]) {
        guard !secrets.isEmpty else { return }
        func mask(_ text: String) -> String {
            secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
        for index in checks.indices {
            checks[index].message = mask(checks[index].message)
            checks[index].hint = checks[index].hint.map(mask)
        }
    }
}
