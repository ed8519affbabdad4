import NexusCore

/// Reads the part of TOML that policy files use, into a `JSONValue` object, and rejects the rest.
///
/// Supported: `key = value` lines with bare keys, `[table]` headers, `#` comments, basic (`"..."`,
/// with escapes) and literal (`'...'`) strings, integers (with `_` separators), floats, booleans,
/// and arrays of these (spanning lines, trailing comma allowed). Anything else in TOML (dotted or
/// quoted keys, inline tables, arrays of tables, multi-line strings, dates, hex/octal numbers) is
/// an error naming the line, never silently read differently from what TOML means.
struct TOMLSubset {
    struct Failure: Error {
        var line: Int
        var message: String
    }

    /// The document, and the line each key was written on (`limits.cpu_seconds` for a key in a table).
    static func parse(_ text: String) throws(Failure) -> (JSONObject, lines: [String: Int]) {
        var reader = TOMLSubset(scalars: Array(text.unicodeScalars))
        return try reader.document()
    }

    /// How deep arrays may nest. Policy values are flat lists; the bound keeps a hostile file from
    /// recursing through the stack (the reader calls itself once per `[`).
    static let maximumArrayDepth = 16

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var arrayDepth = 0

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private mutating func document() throws(Failure) -> (JSONObject, lines: [String: Int]) {
        var root = JSONObject()
        var lines: [String: Int] = [:]
        var table: String?
        var tableContents = JSONObject()

        func closeTable() {
            if let table { root[table] = .object(tableContents) }
        }

        while true {
            skipBlankLinesAndComments()
            guard let scalar = peek() else { break }
            if scalar == "[" {
                index += 1
                if peek() == "[" { throw fail("arrays of tables ([[...]]) are not supported in policy files") }
                skipSpaces()
                let name = try bareKey()
                skipSpaces()
                guard peek() == "]" else { throw fail("expected ']' after the table name '\(name)'") }
                index += 1
                try endOfLine()
                closeTable()
                guard root[name] == nil else { throw fail("the table or key '\(name)' is defined twice") }
                lines[name] = line
                table = name
                tableContents = JSONObject()
                continue
            }
            let keyLine = line
            let key = try bareKey()
            skipSpaces()
            if peek() == "." { throw fail("dotted keys such as '\(key).…' are not supported; use a [\(key)] table") }
            guard peek() == "=" else { throw fail("expected '=' after the key '\(key)'") }
            index += 1
            skipSpaces()
            let value = try value()
            try endOfLine()
            let path = table.map { "\($0).\(key)" } ?? key
            if table != nil {
                guard tableContents[key] == nil else { throw Failure(line: keyLine, message: "the key '\(path)' is set twice") }
                tableContents[key] = value
            } else {
                guard root[key] == nil else { throw Failure(line: keyLine, message: "the key '\(key)' is set twice") }
                root[key] = value
            }
            lines[path] = keyLine
        }
        closeTable()
        return (root, lines)
    }

    // MARK: - Values

    private mutating func value() throws(Failure) -> JSONValue {
        guard let scalar = peek() else { throw fail("expected a value at the end of the file") }
        switch scalar {
        case "\"":
            if starts(with: "\"\"\"") { throw fail("multi-line strings (\"\"\") are not supported in policy files") }
            return .string(try basicString())
        case "'":
            if starts(with: "'''") { throw fail("multi-line strings (''') are not supported in policy files") }
            return .string(try literalString())
        case "[":
            return try array()
        case "{":
            throw fail("inline tables ({...}) are not supported in policy files; use a [table]")
        case "t", "f":
            let word = take(while: { $0.properties.isAlphabetic })
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw fail("unexpected value '\(word)'; strings need quotes")
            }
        default:
            return try number()
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        guard arrayDepth < Self.maximumArrayDepth else {
            throw fail("arrays nest deeper than \(Self.maximumArrayDepth) levels; policy values are flat lists")
        }
        arrayDepth += 1
        defer { arrayDepth -= 1 }
        index += 1
        var items: [JSONValue] = []
        while true {
            skipBlankLinesAndComments()
            guard let scalar = peek() else { throw fail("an array is not closed with ']'") }
            if scalar == "]" {
                index += 1
                return .array(items)
            }
            items.append(try value())
            skipBlankLinesAndComments()
            switch peek() {
            case ",": index += 1
            case "]": continue
            case nil: throw fail("an array is not closed with ']'")
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func basicString() throws(Failure) -> String {
        index += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else { throw fail("a string is not closed on its line") }
            index += 1
            switch scalar {
            case "\"":
                return String(result)
            case "\\":
                guard let escape = peek() else { throw fail("a string ends inside an escape") }
                index += 1
                switch escape {
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "b": result.append("\u{08}")
                case "t": result.append("\t")
                case "n": result.append("\n")
                case "f": result.append("\u{0C}")
                case "r": result.append("\r")
                case "u", "U":
                    let digits = escape == "u" ? 4 : 8
                    let hex = take(count: digits)
                    guard hex.count == digits, let code = UInt32(hex, radix: 16), let unicode = Unicode.Scalar(code) else {
                        throw fail("expected \(digits) hex digits after \\\(escape)")
                    }
                    result.append(unicode)
                default:
                    throw fail("unknown escape '\\\(escape)' in a string")
                }
            default:
                result.append(scalar)
            }
        }
    }

    private mutating func literalString() throws(Failure) -> String {
        index += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else { throw fail("a string is not closed on its line") }
            index += 1
            if scalar == "'" { return String(result) }
            result.append(scalar)
        }
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let text = take(while: { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-._:".unicodeScalars.contains($0) })
        guard !text.isEmpty else {
            throw fail("expected a value (a \"string\", a number, true, false or an [array])")
        }
        if text.contains(":") || text.dropFirst().contains("-") && !text.lowercased().contains("e") {
            throw fail("dates and times ('\(text)') are not supported in policy files")
        }
        let digits = text.replacingUnderscores
        let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? String(digits.dropFirst()) : digits
        if unsigned.hasPrefix("0x") || unsigned.hasPrefix("0o") || unsigned.hasPrefix("0b") {
            throw fail("hexadecimal, octal and binary numbers ('\(text)') are not supported in policy files")
        }
        if unsigned.count > 1, unsigned.hasPrefix("0"), !unsigned.hasPrefix("0.") && !unsigned.lowercased().hasPrefix("0e") {
            throw fail("a number cannot start with 0 ('\(text)')")
        }
        if let integer = Int(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits) { return .number(Double(integer)) }
        guard !["inf", "nan"].contains(unsigned), let float = Double(digits), float.isFinite else {
            throw fail("'\(text)' is not a value; strings need quotes")
        }
        return .number(float)
    }

    // MARK: - Keys and layout

    private mutating func bareKey() throws(Failure) -> String {
        if peek() == "\"" || peek() == "'" { throw fail("quoted keys are not supported in policy files; write the key bare") }
        let key = take(while: { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" })
        guard !key.isEmpty else {
            let found = peek().map { "'\(Character($0))'" } ?? "the end of the file"
            throw fail("expected a key (letters, digits, '_' or '-'), found \(found)")
        }
        return key
    }

    /// Spaces, then an optional comment, then a newline or the end.
    private mutating func endOfLine() throws(Failure) {
        skipSpaces()
        if peek() == "#" { skipComment() }
        if peek() == "\r" { index += 1 }
        guard let scalar = peek() else { return }
        guard scalar == "\n" else { throw fail("unexpected '\(Character(scalar))' after a value; put one key = value on each line") }
    }

    private mutating func skipBlankLinesAndComments() {
        while let scalar = peek() {
            switch scalar {
            case " ", "\t", "\r": index += 1
            case "\n": index += 1; line += 1
            case "#": skipComment()
            default: return
            }
        }
    }

    private mutating func skipSpaces() {
        while let scalar = peek(), scalar == " " || scalar == "\t" { index += 1 }
    }

    private mutating func skipComment() {
        while let scalar = peek(), scalar != "\n" { index += 1 }
    }

    private func peek() -> Unicode.Scalar? {
        index < scalars.count ? scalars[index] : nil
    }

    private func starts(with text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        return index + wanted.count <= scalars.count && Array(scalars[index..<index + wanted.count]) == wanted
    }

    private mutating func take(while predicate: (Unicode.Scalar) -> Bool) -> String {
        var result = String.UnicodeScalarView()
        while let scalar = peek(), predicate(scalar) {
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    private mutating func take(count: Int) -> String {
        var result = String.UnicodeScalarView()
        while result.count < count, let scalar = peek() {
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    private func fail(_ message: String) -> Failure {
        Failure(line: line, message: message)
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
