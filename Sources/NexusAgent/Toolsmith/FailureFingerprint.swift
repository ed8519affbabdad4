import Foundation
import NexusModules

/// What identifies a failure across attempts: its class, its message with the parts that change
/// from one attempt to the next (numbers, JSON strings, chunk ids) blanked, and the failing test.
/// The token a syntax error names ('end', '=') is kept: a different one is a different failure.
/// The same fingerprint twice in one line of repair means the repairs are going round in circles.
enum FailureFingerprint {
    /// The fingerprint of a report's first failure; empty when it passed.
    static func of(_ report: ValidationReport) -> String {
        guard let failure = report.failures.first else { return "" }
        let test = failure.stage == "test" ? failure.name : ""
        return [failure.kind ?? failure.stage, normalized(failure.message), test].joined(separator: "|")
    }

    static func normalized(_ message: String) -> String {
        var text = message.lowercased()
        for (pattern, replacement) in [(#"nexus://[0-9a-f]+(:\d+)?"#, "nexus://ID"), (#""[^"]*""#, "\"…\""),
                                       (#"\d+(\.\d+)?"#, "N"), (#"\s+"#, " ")] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return String(text.prefix(160))
    }
}
