/// The string formats llama.cpp's JSON-schema-to-grammar converter turns into grammar rules.
///
/// Each matcher accepts exactly what the converter's rule accepts (`STRING_FORMAT_RULES` and the
/// `uuid` primitive in `common/json-schema-to-grammar.cpp`), so a value generated under the grammar
/// always validates, and a value that validates could have been generated. That means no calendar
/// check (`2024-02-31` is a date, as in the grammar), a time needs seconds and a zone, and fractions
/// of a second have exactly three digits.
enum StringFormat: Sendable, Hashable {
    case date
    case time
    case dateTime
    case uuid

    /// Format names the converter recognises; any other name it ignores.
    static let knownNames = ["date", "time", "date-time", "uuid", "uuid1", "uuid2", "uuid3", "uuid4", "uuid5"]

    init?(name: String) {
        switch name {
        case "date": self = .date
        case "time": self = .time
        case "date-time": self = .dateTime
        case "uuid", "uuid1", "uuid2", "uuid3", "uuid4", "uuid5": self = .uuid
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .date: "date"
        case .time: "time"
        case .dateTime: "date-time"
        case .uuid: "uuid"
        }
    }

    /// What a matching value looks like, for violation messages.
    var example: String {
        switch self {
        case .date: "2024-05-17"
        case .time: "13:45:00Z or 13:45:00.250+02:00"
        case .dateTime: "2024-05-17T13:45:00Z"
        case .uuid: "123e4567-e89b-12d3-a456-426614174000"
        }
    }

    func matches(_ value: String) -> Bool {
        var scanner = ByteScanner(Array(value.utf8))
        let matched = switch self {
        case .date: scanner.scanDate()
        case .time: scanner.scanTime()
        case .dateTime: scanner.scanDate() && scanner.scan("T") && scanner.scanTime()
        case .uuid: scanner.scanUUID()
        }
        return matched && scanner.isAtEnd
    }
}

/// A cursor over UTF-8 bytes for the format rules. A failed scan may leave the cursor mid-way; callers give up on failure.
private struct ByteScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func scan(where predicate: (Character) -> Bool) -> Bool {
        guard position < bytes.count, bytes[position] < 0x80, predicate(Character(UnicodeScalar(bytes[position]))) else {
            return false
        }
        position += 1
        return true
    }

    mutating func scan(_ character: Character) -> Bool {
        scan(where: { $0 == character })
    }

    private mutating func scan(in range: ClosedRange<Character>) -> Bool {
        scan(where: { range.contains($0) })
    }

    /// Two digits where the first is in `first`, and the second in `second(first)`.
    private mutating func scanPair(_ first: ClosedRange<Character>, _ second: (Character) -> ClosedRange<Character>) -> Bool {
        guard position < bytes.count else { return false }
        let lead = Character(UnicodeScalar(bytes[position]))
        guard scan(in: first) else { return false }
        return scan(in: second(lead))
    }

    private mutating func scanDigits(_ count: Int, where predicate: (Character) -> Bool = { ("0"..."9").contains($0) }) -> Bool {
        for _ in 0..<count {
            guard scan(where: predicate) else { return false }
        }
        return true
    }

    /// `[0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )`
    mutating func scanDate() -> Bool {
        scanDigits(4)
            && scan("-")
            && scanPair("0"..."1", { $0 == "0" ? "1"..."9" : "0"..."2" })
            && scan("-")
            && scanPair("0"..."3", { $0 == "0" ? "1"..."9" : $0 == "3" ? "0"..."1" : "0"..."9" })
    }

    /// `([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) hour ":" [0-5] [0-9] )`
    mutating func scanTime() -> Bool {
        guard scanHour(), scan(":"), scanMinutes(), scan(":"), scanMinutes() else { return false }
        if scan("."), !scanDigits(3) { return false }
        if scan("Z") { return true }
        return (scan("+") || scan("-")) && scanHour() && scan(":") && scanMinutes()
    }

    /// `[0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12}`
    mutating func scanUUID() -> Bool {
        for (index, count) in [8, 4, 4, 4, 12].enumerated() {
            guard index == 0 || scan("-"), scanDigits(count, where: \.isHexDigit) else { return false }
        }
        return true
    }

    private mutating func scanHour() -> Bool {
        scanPair("0"..."2", { $0 == "2" ? "0"..."3" : "0"..."9" })
    }

    private mutating func scanMinutes() -> Bool {
        scanPair("0"..."5", { _ in "0"..."9" })
    }
}
