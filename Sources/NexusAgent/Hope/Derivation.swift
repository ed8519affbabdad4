/// A value computed from a tool's result that a later step or the final answer used: the text a
/// file was read as, the count in a listing's header, a column's total, ...
///
/// When a trace is generalized, each value it wrote or answered is explained, where it can be,
/// as a derivation of an earlier result; a follower then computes it from its own results.
/// Crystallized modules compute the same functions in Lua (`LuaCompiler.prelude`), and
/// validation replays recorded traces through them, so the two must agree exactly. They are
/// ASCII-only on purpose: Lua's string functions are. The order of the cases is the order of
/// preference when one value has several explanations.
public enum Derivation: String, Sendable, Hashable, CaseIterable, Codable {
    /// The result without a leading "[...]" header line (filesystem_read's "[a.txt: 3 lines]").
    case body
    /// The body without surrounding whitespace.
    case trimmed
    case upper
    case lower
    /// The first run of digits in the whole result: the counts of headers such as
    /// "[a.txt: 9 lines]" or "5 files, 0 folders:".
    case firstNumber = "first_number"
    /// Non-blank lines of the body.
    case lineCount = "line_count"
    case wordCount = "word_count"
    /// The total of the numbers in the Nth comma-separated column of the body's lines.
    case column1Sum = "column1_sum"
    case column2Sum = "column2_sum"
    case column3Sum = "column3_sum"
    case column4Sum = "column4_sum"
    // Lines last: a number that is both a count and a line is more likely the count.
    case firstLine = "first_line"
    case lastLine = "last_line"

    /// Whether the value is a number: matched only as a whole word, never inside other digits.
    public var isNumeric: Bool {
        switch self {
        case .firstNumber, .lineCount, .wordCount, .column1Sum, .column2Sum, .column3Sum, .column4Sum: true
        default: false
        }
    }

    /// The value for `result`, or nil when there is none (no number, an empty body, ...).
    public func apply(to result: String) -> String? {
        let body = Self.body(of: result)
        let value: String?
        switch self {
        case .body: value = body
        case .trimmed: value = Self.trim(body)
        case .upper: value = Self.upper(body)
        case .lower: value = Self.lower(body)
        case .firstLine: value = Self.lines(of: body).first
        case .lastLine: value = Self.lines(of: body).last
        case .firstNumber: value = Self.firstDigits(in: Self.programOutput(of: result))
        case .lineCount: value = String(Self.lines(of: body).count)
        case .wordCount: value = String(Self.words(of: body))
        case .column1Sum: value = Self.columnSum(body, column: 0)
        case .column2Sum: value = Self.columnSum(body, column: 1)
        case .column3Sum: value = Self.columnSum(body, column: 2)
        case .column4Sum: value = Self.columnSum(body, column: 3)
        }
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    // Lines, spaces and digits are ASCII bytes here, as in Lua ("\r\n" is two characters, not one).

    /// What a program that exited cleanly printed: its result without "exit code 0" and the
    /// "stdout:" label, up to its "stderr:" part. Any other result as it is. (A program's result
    /// has three lines for one line printed: counted whole, "3" would explain any count.)
    static func programOutput(of result: String) -> String {
        let header = "exit code 0\nstdout:\n"
        guard result.hasPrefix(header) else { return result }
        let output = result.dropFirst(header.count)
        return String(output.range(of: "\nstderr:\n").map { output[..<$0.lowerBound] } ?? output)
    }

    static func body(of result: String) -> String {
        let output = programOutput(of: result)
        let scalars = output.unicodeScalars
        guard scalars.first == "[" else { return output }
        let firstLine = scalars.prefix { $0 != "\n" }
        guard firstLine.last == "]" else { return output }
        return String(String.UnicodeScalarView(scalars.dropFirst(firstLine.count + 1)))
    }

    static func upper(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32)! : $0 }))
    }

    static func lower(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || ("\t"..."\r").contains(scalar)
    }

    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars.drop(while: isSpace)
        let end = scalars.lastIndex { !isSpace($0) }.map { scalars.index(after: $0) } ?? scalars.startIndex
        return String(String.UnicodeScalarView(scalars[..<end]))
    }

    /// The non-blank lines, each trimmed.
    static func lines(of text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { trim(String(String.UnicodeScalarView($0))) }.filter { !$0.isEmpty }
    }

    static func words(of text: String) -> Int {
        text.unicodeScalars.split(whereSeparator: isSpace).count
    }

    static func firstDigits(in text: String) -> String? {
        let digits = text.unicodeScalars.drop { !("0"..."9").contains($0) }.prefix { ("0"..."9").contains($0) }
        return digits.isEmpty ? nil : String(String.UnicodeScalarView(digits))
    }

    static func columnSum(_ body: String, column: Int) -> String? {
        var total = 0.0
        var found = 0
        for line in lines(of: body) {
            let fields = line.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false)
            guard column < fields.count, let number = Double(trim(String(String.UnicodeScalarView(fields[column])))), number.isFinite else { continue }
            total += number
            found += 1
        }
        guard found > 0 else { return nil }
        return formatNumber(total)
    }

    /// Whole numbers without a fraction, others with two decimals (as the Lua side formats them).
    static func formatNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.2f", value)
    }
}
