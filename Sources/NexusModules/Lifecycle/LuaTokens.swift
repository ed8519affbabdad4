/// A small Lua 5.4 tokenizer for static checks: names, strings (with their value), numbers and
/// symbols, each with its line. Comments are skipped; malformed text ends the scan quietly (the
/// compiler reports syntax errors).
struct LuaToken: Equatable {
    enum Kind: Equatable { case name, string, number, symbol }
    var kind: Kind
    var text: String
    var line: Int
}

enum LuaTokens {
    static func scan(_ source: String) -> [LuaToken] {
        let bytes = Array(source.utf8)
        var tokens: [LuaToken] = []
        var index = 0
        var line = 1

        func at(_ offset: Int) -> UInt8 { index + offset < bytes.count ? bytes[index + offset] : 0 }
        func isNameStart(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "_") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// The level of a long bracket `[==[` starting at `index`, or nil.
        func longBracketLevel() -> Int? {
            guard at(0) == UInt8(ascii: "[") else { return nil }
            var level = 0
            while at(1 + level) == UInt8(ascii: "=") { level += 1 }
            return at(1 + level) == UInt8(ascii: "[") ? level : nil
        }

        /// Skips a long bracket of `level` starting at `index`; returns its content.
        func skipLong(_ level: Int) -> String {
            index += level + 2
            let start = index
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "]") {
                    var equals = 0
                    while at(1 + equals) == UInt8(ascii: "=") { equals += 1 }
                    if equals == level && at(1 + equals) == UInt8(ascii: "]") {
                        let content = String(decoding: bytes[start..<index], as: UTF8.self)
                        index += level + 2
                        return content
                    }
                }
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
            return String(decoding: bytes[start...], as: UTF8.self)
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                index += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                index += 1
            } else if byte == UInt8(ascii: "-") && at(1) == UInt8(ascii: "-") {
                index += 2
                if let level = longBracketLevel() {
                    _ = skipLong(level)
                } else {
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                }
            } else if isNameStart(byte) || byte >= 0x80 {
                let start = index
                while index < bytes.count && (isNameStart(bytes[index]) || isDigit(bytes[index]) || bytes[index] >= 0x80) { index += 1 }
                tokens.append(LuaToken(kind: .name, text: String(decoding: bytes[start..<index], as: UTF8.self), line: line))
            } else if isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(at(1))) {
                let start = index
                while index < bytes.count && (isDigit(bytes[index]) || isNameStart(bytes[index]) || bytes[index] == UInt8(ascii: ".")) { index += 1 }
                tokens.append(LuaToken(kind: .number, text: String(decoding: bytes[start..<index], as: UTF8.self), line: line))
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                let quote = byte
                let startLine = line
                index += 1
                var value: [UInt8] = []
                while index < bytes.count && bytes[index] != quote && bytes[index] != UInt8(ascii: "\n") {
                    if bytes[index] == UInt8(ascii: "\\") && index + 1 < bytes.count {
                        if bytes[index + 1] == UInt8(ascii: "\n") { line += 1 }
                        value.append(bytes[index + 1])
                        index += 2
                    } else {
                        value.append(bytes[index])
                        index += 1
                    }
                }
                index += 1
                tokens.append(LuaToken(kind: .string, text: String(decoding: value, as: UTF8.self), line: startLine))
            } else if let level = longBracketLevel() {
                let startLine = line
                tokens.append(LuaToken(kind: .string, text: skipLong(level), line: startLine))
            } else {
                tokens.append(LuaToken(kind: .symbol, text: String(UnicodeScalar(byte)), line: line))
                index += 1
            }
        }
        return tokens
    }
}
