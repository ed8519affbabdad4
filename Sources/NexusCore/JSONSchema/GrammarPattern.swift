/// The part of regular-expression syntax llama.cpp's converter turns into grammar, and its meaning.
///
/// A port of `_pattern_to_rule` in `common/json-schema-to-grammar.cpp`: it accepts the same patterns,
/// rejects the same ones, and produces an ICU expression (for `NSRegularExpression`) that matches
/// exactly the strings the generated grammar accepts. Where the converter would quietly fall back to
/// "any string" (an unanchored pattern, `\d`, lookarounds, ...), this reports `.unsupported`; where
/// it would fail, `.invalid`.
enum GrammarPattern {
    enum Issue: Error, Equatable {
        /// The converter would ignore the pattern and accept any string.
        case unsupported(String)
        /// The converter would reject the pattern.
        case invalid(String)
    }

    /// The ICU regular expression that matches the whole string exactly when the grammar does.
    static func icuExpression(for pattern: String) throws(Issue) -> String {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count >= 2, scalars.first == "^", scalars.last == "$" else {
            throw .unsupported("it must start with '^' and end with '$'; the grammar converter accepts any string for an unanchored pattern")
        }
        var parser = Parser(Array(scalars.dropFirst().dropLast()))
        let body = try parser.sequence()
        guard parser.depth == 0 else { throw .invalid("unbalanced parentheses") }
        // `^`/`$` in ICU also match around a final newline; \A and \z do not, like the grammar.
        return "\\A(?:\(body))\\z"
    }

    private struct Item {
        var expression: String
        /// How many characters a literal run holds; 0 for anything that is not a literal.
        var literalLength = 0
        var isAlternation = false
    }

    private struct Parser {
        let pattern: [Unicode.Scalar]
        var index = 0
        var depth = 0

        init(_ pattern: [Unicode.Scalar]) { self.pattern = pattern }

        /// Characters that end a literal run (`NON_LITERAL_SET`).
        static let nonLiteral: Set<Unicode.Scalar> = ["|", ".", "(", ")", "[", "]", "{", "}", "*", "+", "?", "^", "$"]
        /// Escapes that stand for the character itself (`ESCAPED_IN_REGEXPS_BUT_NOT_IN_LITERALS`).
        static let escapedMetacharacters: Set<Unicode.Scalar> = ["^", "$", ".", "[", "]", "(", ")", "|", "{", "}", "*", "+", "?"]

        /// Parses up to the `)` closing the current group, or to the end (`transform`).
        mutating func sequence() throws(Issue) -> String {
            var items: [Item] = []
            while index < pattern.count {
                let character = pattern[index]
                switch character {
                case ".":
                    items.append(Item(expression: "[^\\n\\r]"))
                    index += 1
                case "(":
                    index += 1
                    if index < pattern.count && pattern[index] == "?" {
                        guard index + 1 < pattern.count && pattern[index + 1] == ":" else {
                            throw .unsupported("lookarounds, named groups and inline flags ('(?') are not supported by the grammar converter")
                        }
                        index += 2
                    }
                    depth += 1
                    guard depth <= 100 else { throw .unsupported("groups are nested more than 100 deep") }
                    items.append(Item(expression: "(?:\(try sequence()))"))
                case ")":
                    index += 1
                    guard depth > 0 else { throw .invalid("unbalanced parentheses") }
                    depth -= 1
                    return Self.join(items)
                case "^", "$":
                    throw .unsupported("anchors inside the pattern are not supported by the grammar converter; only a leading '^' and a trailing '$'")
                case "[":
                    items.append(Item(expression: try characterClass()))
                case "|":
                    items.append(Item(expression: "|", isAlternation: true))
                    index += 1
                case "*", "+", "?":
                    try repeatLast(&items, String(character))
                    index += 1
                case "{":
                    try repeatLast(&items, try braces())
                default:
                    items.append(try literalRun())
                }
            }
            return Self.join(items)
        }

        private static func join(_ items: [Item]) -> String {
            items.map(\.expression).joined()
        }

        private func repeatLast(_ items: inout [Item], _ quantifier: String) throws(Issue) {
            guard let last = items.last, !last.isAlternation else { throw .invalid("a quantifier has nothing to repeat") }
            guard last.literalLength <= 1 else {
                // The converter repeats the whole run ("ab\.+" becomes ("ab.")+), unlike a regex engine.
                throw .unsupported("a quantifier after an escape sequence repeats the whole preceding literal in the grammar converter; wrap the repeated part in a group, e.g. '(\\.)+'")
            }
            items[items.count - 1] = Item(expression: "(?:\(last.expression))\(quantifier)")
        }

        /// `{n}`, `{n,}`, `{,m}` or `{n,m}`, as an ICU quantifier.
        private mutating func braces() throws(Issue) -> String {
            index += 1
            var content = ""
            while index < pattern.count && pattern[index] != "}" {
                content.unicodeScalars.append(pattern[index])
                index += 1
            }
            guard index < pattern.count else { throw .unsupported("unterminated curly brackets") }
            index += 1
            let parts = content.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func number(_ text: String) throws(Issue) -> Int {
                guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let value = Int32(text) else {
                    throw .unsupported("invalid number '\(text)' in curly brackets")
                }
                return Int(value)
            }
            let minimum: Int
            let maximum: Int?
            switch parts.count {
            case 1:
                minimum = try number(parts[0])
                maximum = minimum
            case 2:
                minimum = parts[0].isEmpty ? 0 : try number(parts[0])
                maximum = parts[1].isEmpty ? nil : try number(parts[1])
            default:
                throw .unsupported("wrong number of values in curly brackets")
            }
            if let maximum, maximum < minimum {
                throw .invalid("{\(content)} has a maximum below its minimum")
            }
            return "{\(minimum),\(maximum.map(String.init) ?? "")}"
        }

        /// `[...]`, copied as the converter copies it, with ICU's extra set syntax escaped.
        private mutating func characterClass() throws(Issue) -> String {
            index += 1
            var expression = "["
            var isFirst = true
            while index < pattern.count && pattern[index] != "]" {
                let character = pattern[index]
                if character == "\\" {
                    let length = escapeLength(at: index)
                    guard length > 0 else {
                        throw .unsupported("the escape '\(escapeText(at: index))' in a character class is not supported by the grammar converter; list the characters instead, e.g. [0-9] for \\d")
                    }
                    expression += String(String.UnicodeScalarView(pattern[index..<index + length]))
                    index += length
                } else {
                    let isLast = index + 1 < pattern.count && pattern[index + 1] == "]"
                    if character == "^" && isFirst {
                        expression += "^"
                    } else if character == "-" && !isFirst && !isLast {
                        expression += "-"
                    } else {
                        expression += Self.icuLiteral(character)
                    }
                    index += 1
                }
                isFirst = false
            }
            guard index < pattern.count else { throw .invalid("unterminated character class") }
            index += 1
            return expression + "]"
        }

        /// A run of literal characters, ending before a character a quantifier applies to.
        private mutating func literalRun() throws(Issue) -> Item {
            var item = Item(expression: "")
            while index < pattern.count {
                let character = pattern[index]
                if character == "\\" {
                    guard index + 1 < pattern.count else { throw .invalid("trailing backslash") }
                    let next = pattern[index + 1]
                    if Self.escapedMetacharacters.contains(next) {
                        item.expression += Self.icuLiteral(next)
                        index += 2
                    } else {
                        let length = escapeLength(at: index)
                        guard length > 0 else {
                            throw .unsupported("the escape '\(escapeText(at: index))' is not supported by the grammar converter; use a character class such as [0-9] instead of \\d")
                        }
                        item.expression += String(String.UnicodeScalarView(pattern[index..<index + length]))
                        index += length
                    }
                } else if character == "\"" {
                    item.expression += "\\\""
                    index += 1
                } else if !Self.nonLiteral.contains(character)
                    && (index == pattern.count - 1 || item.literalLength == 0 || pattern[index + 1] == "."
                        || !Self.nonLiteral.contains(pattern[index + 1])) {
                    item.expression += Self.icuLiteral(character)
                    index += 1
                } else {
                    break
                }
                item.literalLength += 1
            }
            guard item.literalLength > 0 else {
                throw .unsupported("the character '\(pattern[index])' is not supported here by the grammar converter")
            }
            return item
        }

        /// The length of an escape the grammar understands at `position`, or 0 (`gbnf_escape_length`).
        private func escapeLength(at position: Int) -> Int {
            guard position + 1 < pattern.count, pattern[position] == "\\" else { return 0 }
            let hexDigits: Int
            switch pattern[position + 1] {
            case "x": hexDigits = 2
            case "u": hexDigits = 4
            case "U": hexDigits = 8
            case "t", "r", "n", "\\", "\"", "[", "]", "-": return 2
            default: return 0
            }
            guard position + 2 + hexDigits <= pattern.count else { return 0 }
            let isHex = pattern[(position + 2)..<(position + 2 + hexDigits)].allSatisfy { $0.isASCII && Character($0).isHexDigit }
            return isHex ? 2 + hexDigits : 0
        }

        private func escapeText(at position: Int) -> String {
            String(String.UnicodeScalarView(pattern[position..<min(position + 2, pattern.count)]))
        }

        /// One character as an ICU literal, inside or outside a set.
        private static func icuLiteral(_ character: Unicode.Scalar) -> String {
            if !character.isASCII || character.properties.isAlphabetic || ("0"..."9").contains(character) {
                return String(character)
            }
            if character.value < 0x20 || character.value == 0x7F {
                return "\\x{\(String(character.value, radix: 16))}"
            }
            return "\\" + String(character)
        }
    }
}
