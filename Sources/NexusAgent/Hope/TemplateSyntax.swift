import Foundation

/// The template language the model writes in when it generalizes a step: text with holes such
/// as `{path1}`, `{path1.stem}` and `{step2.first_line}`. Braces that do not name a hole stay
/// text, so code with dictionaries or f-strings reads as itself.
public enum TemplateSyntax {
    /// The template `text` writes, for a program with these parameter names whose first `steps`
    /// results may be used.
    public static func parse(_ text: String, parameterNames: [String], steps: Int) -> TextTemplate {
        var pieces: [TemplatePiece] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            pieces.append(.literal(String(rest[..<open])))
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"),
               let hole = hole(String(rest[afterOpen..<close]), parameterNames: parameterNames, steps: steps) {
                pieces.append(hole)
                rest = rest[rest.index(after: close)...]
            } else {
                pieces.append(.literal("{"))
                rest = rest[afterOpen...]
            }
        }
        pieces.append(.literal(String(rest)))
        return TextTemplate(pieces)
    }

    /// `name` or `name.part`: a parameter, a part of one, or a value from an earlier result.
    private static func hole(_ inner: String, parameterNames: [String], steps: Int) -> TemplatePiece? {
        let parts = inner.split(separator: ".", maxSplits: 1).map { String($0).trimmingSpaces }
        guard let head = parts.first else { return nil }
        let part = parts.count > 1 ? parts[1] : nil
        if let index = parameterNames.firstIndex(of: head) {
            guard let part else { return .parameter(index) }
            return ParameterTransform(rawValue: part).map { .transformed(parameter: index, $0) }
        }
        guard head.hasPrefix("step"), let number = Int(head.dropFirst(4)), number >= 1, number <= steps,
              let part, let derivation = Derivation(rawValue: part) else { return nil }
        return .derived(step: number - 1, derivation)
    }

    /// The text of the first ``` block in `reply` (a language tag on its fence line is not text),
    /// or the whole reply without surrounding space and quotes.
    public static func replyText(_ reply: String) -> String {
        if let open = reply.range(of: "```") {
            let afterFence = reply[open.upperBound...]
            let body = afterFence.firstIndex(of: "\n").map { afterFence[afterFence.index(after: $0)...] } ?? afterFence
            let inside = body.range(of: "```").map { body[..<$0.lowerBound] } ?? body
            return inside.hasSuffix("\n") ? String(inside.dropLast()) : String(inside)
        }
        return reply.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'`")))
    }

    /// How the holes are written, for the model's instructions.
    static func legend(parameterNames: [String], steps: Int) -> String {
        let example = parameterNames.first ?? "path1"
        var lines = [
            "- {\(parameterNames.joined(separator: "}, {"))} for the task's values, as each example lists them;",
            "- {\(example).\(ParameterTransform.allCases.map(\.rawValue).joined(separator: "}, {\(example)."))} for a part or form of a value;",
        ]
        if steps > 0 {
            lines.append("- {step1.\(Derivation.allCases.map(\.rawValue).joined(separator: "}, {step1."))} for a value from the result of an earlier step (step1 to step\(steps));")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
