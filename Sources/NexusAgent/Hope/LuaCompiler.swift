import Foundation
public import NexusCore

/// Compiles a trace program into a module's Lua code: each step a `nexus.call` with its
/// arguments built from the input (the task's parameters) and earlier results, and the answer
/// built the same way. Deterministic: the same program always gives the same code.
public enum LuaCompiler {
    public static func code(for program: TraceProgram) -> String {
        let names = program.parameterNames
        var lines = [
            "-- Compiled by HOPE from trace \(program.sourceRunID), for tasks of the shape:",
            "--   \(program.signature.replacingOccurrences(of: "\n", with: " "))",
            prelude,
            "local M = {}",
            "",
            "function M.run(input)",
            "  local r = {}",
        ]
        for (index, step) in program.steps.enumerated() {
            lines.append("  r[\(index + 1)] = nexus.call(\(quote(step.tool)), \(expression(step.arguments, names)))")
        }
        lines.append("  return { answer = \(expression(program.answer, names)) }")
        lines += ["end", "", "return M", ""]
        return lines.joined(separator: "\n")
    }

    /// Lua twins of `Derivation.apply(to:)`; validation replays recorded traces through them.
    static let prelude = """

        local H = {}

        function H.output(r)
          local header = "exit code 0\\nstdout:\\n"
          if r:sub(1, #header) ~= header then return r end
          local out = r:sub(#header + 1)
          local cut = out:find("\\nstderr:\\n", 1, true)
          if cut then out = out:sub(1, cut - 1) end
          return out
        end

        function H.body(r)
          r = H.output(r)
          if r:sub(1, 1) == "[" then
            local first = r:match("^[^\\n]*")
            if first:sub(-1) == "]" then return r:sub(#first + 2) end
          end
          return r
        end

        function H.trim(s)
          local t = s:gsub("^%s+", "")
          t = t:gsub("%s+$", "")
          return t
        end

        function H.lines(s)
          local out = {}
          for line in (s .. "\\n"):gmatch("([^\\n]*)\\n") do
            local t = H.trim(line)
            if t ~= "" then out[#out + 1] = t end
          end
          return out
        end

        function H.number(value)
          if value == math.floor(value) and math.abs(value) < 1e15 then return string.format("%d", value) end
          return string.format("%.2f", value)
        end

        function H.column_sum(b, column)
          local total, found = 0, 0
          for _, line in ipairs(H.lines(b)) do
            local fields = {}
            for field in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = field end
            local value = fields[column] and tonumber(H.trim(fields[column]))
            if value and value == value and value ~= math.huge and value ~= -math.huge then
              total, found = total + value, found + 1
            end
          end
          if found > 0 then return H.number(total) end
        end

        function H.derive(name, r)
          local b = H.body(r)
          local v
          if name == "body" then v = b
          elseif name == "trimmed" then v = H.trim(b)
          elseif name == "upper" then v = b:upper()
          elseif name == "lower" then v = b:lower()
          elseif name == "first_line" then v = H.lines(b)[1]
          elseif name == "last_line" then local l = H.lines(b); v = l[#l]
          elseif name == "first_number" then v = H.output(r):match("%d+")
          elseif name == "line_count" then v = tostring(#H.lines(b))
          elseif name == "word_count" then local n = 0; for _ in b:gmatch("%S+") do n = n + 1 end; v = tostring(n)
          else
            local column = name:match("^column(%d)_sum$")
            if column then v = H.column_sum(b, tonumber(column)) end
          end
          if v == nil or v == "" then error("a tool result has no " .. name:gsub("_", " ") .. " to use", 0) end
          return v
        end

        function H.transform(name, value)
          local file = value:match("([^/]*)$")
          local v
          if name == "filename" then v = file
          elseif name == "folder" then v = value:match("^(.*)/[^/]*$")
          elseif name == "stem" then v = file:match("^(.+)%.[^.]*$") or file
          elseif name == "extension" then v = file:match("^.+%.([^.]*)$")
          elseif name == "upper" then v = value:upper()
          elseif name == "lower" then v = value:lower()
          end
          if v == nil or v == "" then error("the input '" .. value .. "' has no " .. name, 0) end
          return v
        end

        """

    private static func expression(_ template: TextTemplate, _ names: [String]) -> String {
        guard !template.pieces.isEmpty else { return "\"\"" }
        return template.pieces.map { piece in
            switch piece {
            case .literal(let text): return quote(text)
            case .parameter(let index): return "input.\(names[index])"
            case .transformed(let index, let transform): return "H.transform(\(quote(transform.rawValue)), input.\(names[index]))"
            case .derived(let step, let derivation): return "H.derive(\(quote(derivation.rawValue)), r[\(step + 1)])"
            }
        }.joined(separator: " .. ")
    }

    private static func expression(_ template: ArgumentTemplate, _ names: [String]) -> String {
        switch template {
        case .literal(let value): return literal(value)
        case .text(let text): return expression(text, names)
        case .number(let text): return "tonumber(\(expression(text, names)))"
        case .array(let items):
            return items.isEmpty ? "nexus.array({})" : "{ " + items.map { expression($0, names) }.joined(separator: ", ") + " }"
        case .object(let keys, let values):
            return "{ " + zip(keys, values).map { "[\(quote($0))] = \(expression($1, names))" }.joined(separator: ", ") + " }"
        }
    }

    private static func literal(_ value: JSONValue) -> String {
        switch value {
        case .null: return "nexus.null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
            return String(format: "%.17g", number)
        case .string(let text): return quote(text)
        case .array(let items): return items.isEmpty ? "nexus.array({})" : "{ " + items.map(literal).joined(separator: ", ") + " }"
        case .object(let object): return "{ " + object.map { "[\(quote($0.key))] = \(literal($0.value))" }.joined(separator: ", ") + " }"
        }
    }

    /// A Lua string literal: printable ASCII as is, every other byte as a three-digit escape.
    static func quote(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20...0x7E: out.append(Character(Unicode.Scalar(byte)))
            default: out += String(format: "\\%03d", Int(byte))
            }
        }
        return out + "\""
    }
}
