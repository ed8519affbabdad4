extension JSONValue {
    /// Compact JSON text, object members in their order.
    public var jsonText: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value): output += Self.numberText(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let items):
            output += "["
            for (position, item) in items.enumerated() {
                if position > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (position, member) in object.enumerated() {
                if position > 0 { output += "," }
                Self.writeString(member.key, to: &output)
                output += ":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension JSONValue {
    /// `text` with raw tabs, line feeds and carriage returns inside its strings escaped, the rest
    /// unchanged. A model's call grammar admits them raw (a program written into a "code" argument
    /// wants real line breaks); what is parsed, stored or sent on is strict JSON again.
    public static func escapingRawLineBreaks(inStringsOf text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) else { return text }
        var output = ""
        var inString = false
        var escaped = false
        for scalar in text.unicodeScalars {
            if inString, !escaped {
                switch scalar {
                case "\n": output += "\\n"; continue
                case "\r": output += "\\r"; continue
                case "\t": output += "\\t"; continue
                default: break
                }
            }
            output.unicodeScalars.append(scalar)
            if escaped {
                escaped = false
            } else if inString, scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                inString.toggle()
            }
        }
        return output
    }
}
