import Foundation

/// Checks instances against a schema that ``SchemaChecker`` accepted, with JSON Schema's meaning of
/// each keyword: type-specific keywords constrain only values of their type, `additionalProperties`
/// defaults to `true`, `oneOf` means exactly one.
struct SchemaValidator {
    let compiled: CompiledSchema
    /// How many schemas enclose this one in the walk; each level is a stack frame.
    var depth = 0
    /// A walk deeper than this fails closed with a violation instead of exhausting the stack: a
    /// recursive schema can spend a chain of `anyOf`/`allOf` on every level of a deep instance.
    static let maximumDepth = 1024

    init(compiled: CompiledSchema) {
        self.compiled = compiled
    }

    private var deeper: SchemaValidator {
        var next = self
        next.depth += 1
        return next
    }

    func violations(of instance: JSONValue, against given: JSONValue, at path: JSONPath) -> [SchemaViolation] {
        guard depth < Self.maximumDepth else {
            return [SchemaViolation(path, "is nested too deeply to check against this schema (more than \(Self.maximumDepth) schemas); send a flatter value")]
        }
        // A `$ref` schema holds nothing else (the checker enforces it), so a chain is followed in a
        // loop rather than one frame per link; `compiled.references` has no cycles that stay here.
        var resolved = given
        var followed: Set<String> = []
        while case .string(let reference) = resolved["$ref"], followed.insert(reference).inserted,
              let target = compiled.references[reference] {
            resolved = target
        }
        guard case .object(let schema) = resolved else { return [] }
        var found: [SchemaViolation] = []
        if case .array(let alternatives) = schema["anyOf"] {
            found += anyOf(alternatives, "anyOf", instance, at: path)
        }
        if case .array(let alternatives) = schema["oneOf"] {
            found += oneOf(alternatives, instance, at: path)
        }
        if case .array(let subschemas) = schema["allOf"] {
            for subschema in subschemas {
                found += deeper.violations(of: instance, against: subschema, at: path)
            }
        }
        if let types = Self.types(schema), !types.contains(where: instance.isOfType) {
            let expected = types.map(JSONValue.describeType).joined(separator: " or ")
            return found + [SchemaViolation(path, "expected \(expected), got \(instance.briefDescription)")]
        }
        if let constant = schema["const"], instance != constant {
            found.append(SchemaViolation(path, "must be \(constant.jsonText), got \(instance.briefDescription)"))
        }
        if case .array(let values) = schema["enum"], !values.contains(instance) {
            let listed = values.map(\.jsonText).joined(separator: ", ")
            found.append(SchemaViolation(path, "must be one of \(listed), got \(instance.briefDescription)"))
        }
        switch instance {
        case .object(let members): found += objectViolations(members, schema, at: path)
        case .array(let elements): found += arrayViolations(elements, schema, at: path)
        case .string(let text): found += stringViolations(text, schema, at: path)
        case .number(let number): found += Self.numberViolations(number, schema, at: path)
        case .null, .bool: break
        }
        return found
    }

    // MARK: - Combinators

    private func anyOf(_ alternatives: [JSONValue], _ keyword: String, _ instance: JSONValue, at path: JSONPath) -> [SchemaViolation] {
        var failures: [(alternative: JSONValue, violations: [SchemaViolation])] = []
        for alternative in alternatives {
            let violations = deeper.violations(of: instance, against: alternative, at: path)
            if violations.isEmpty { return [] }
            failures.append((alternative, violations))
        }
        return explain(failures, keyword, instance, at: path)
    }

    private func oneOf(_ alternatives: [JSONValue], _ instance: JSONValue, at path: JSONPath) -> [SchemaViolation] {
        var failures: [(alternative: JSONValue, violations: [SchemaViolation])] = []
        var matches: [Int] = []
        for (position, alternative) in alternatives.enumerated() {
            let violations = deeper.violations(of: instance, against: alternative, at: path)
            if violations.isEmpty {
                matches.append(position)
            } else {
                failures.append((alternative, violations))
            }
        }
        switch matches.count {
        case 1: return []
        case 0: return explain(failures, "oneOf", instance, at: path)
        default:
            let positions = matches.map(String.init).joined(separator: ", ")
            return [SchemaViolation(path, "matches \(matches.count) of the schemas in oneOf (at positions \(positions)) but must match exactly one")]
        }
    }

    /// Why no alternative matched: the one alternative of the instance's type fails for its own
    /// reasons; otherwise say which types were expected, or which alternative came closest.
    private func explain(
        _ failures: [(alternative: JSONValue, violations: [SchemaViolation])], _ keyword: String, _ instance: JSONValue, at path: JSONPath
    ) -> [SchemaViolation] {
        let sameType = failures.filter { declaredTypes($0.alternative)?.contains(where: instance.isOfType) ?? true }
        if sameType.count == 1 {
            return sameType[0].violations
        }
        if sameType.isEmpty {
            var expected: [String] = []
            for failure in failures {
                for type in declaredTypes(failure.alternative) ?? [] where !expected.contains(type) {
                    expected.append(type)
                }
            }
            let described = expected.map(JSONValue.describeType).joined(separator: " or ")
            return [SchemaViolation(path, "expected \(described), got \(instance.briefDescription)")]
        }
        let closest = sameType.min { $0.violations.count < $1.violations.count }!
        return [SchemaViolation(path, "matches none of the \(failures.count) schemas in \(keyword); the closest fails with \(closest.violations[0])")]
    }

    /// The `type` names a schema allows, following `$ref`; nil when it does not say.
    private func declaredTypes(_ schema: JSONValue) -> [String]? {
        var current = schema
        var seen: Set<String> = []
        while case .string(let reference) = current["$ref"], seen.insert(reference).inserted, let target = compiled.references[reference] {
            current = target
        }
        return current.objectValue.flatMap(Self.types)
    }

    private static func types(_ schema: JSONObject) -> [String]? {
        switch schema["type"] {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap(\.stringValue)
        default: nil
        }
    }

    // MARK: - Type families

    private func objectViolations(_ members: JSONObject, _ schema: JSONObject, at path: JSONPath) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        let properties = schema["properties"]?.objectValue ?? [:]
        for case .string(let name) in schema["required"]?.arrayValue ?? [] where members[name] == nil {
            found.append(SchemaViolation(path, "missing required property '\(name)'"))
        }
        for name in members.keys.sorted() {
            if let property = properties[name] {
                found += deeper.violations(of: members[name]!, against: property, at: path.appending(name))
                continue
            }
            switch schema["additionalProperties"] {
            case .bool(false)?:
                let allowed = properties.isEmpty ? "none are allowed" : "allowed: \(properties.keys.sorted().joined(separator: ", "))"
                found.append(SchemaViolation(path, "unexpected property '\(name)' (\(allowed))"))
            case .object(let additional)?:
                found += deeper.violations(of: members[name]!, against: .object(additional), at: path.appending(name))
            default:
                break
            }
        }
        return found
    }

    private func arrayViolations(_ elements: [JSONValue], _ schema: JSONObject, at path: JSONPath) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        if let minimum = schema["minItems"]?.numberValue, Double(elements.count) < minimum {
            found.append(SchemaViolation(path, "expected at least \(Self.count(minimum, "item")), got \(elements.count)"))
        }
        if let maximum = schema["maxItems"]?.numberValue, Double(elements.count) > maximum {
            found.append(SchemaViolation(path, "expected at most \(Self.count(maximum, "item")), got \(elements.count)"))
        }
        let prefixItems = schema["prefixItems"]?.arrayValue ?? []
        for (position, element) in elements.enumerated() {
            if position < prefixItems.count {
                found += deeper.violations(of: element, against: prefixItems[position], at: path.appending(position))
            } else if let items = schema["items"] {
                found += deeper.violations(of: element, against: items, at: path.appending(position))
            }
        }
        return found
    }

    private func stringViolations(_ text: String, _ schema: JSONObject, at path: JSONPath) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        // Lengths count Unicode code points, as JSON Schema and the grammar's `char` rule do.
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"]?.numberValue, Double(length) < minimum {
            found.append(SchemaViolation(path, "expected at least \(Self.count(minimum, "character")), got \(length)"))
        }
        if let maximum = schema["maxLength"]?.numberValue, Double(length) > maximum {
            found.append(SchemaViolation(path, "expected at most \(Self.count(maximum, "character")), got \(length)"))
        }
        if case .string(let pattern) = schema["pattern"], let expression = compiled.patterns[pattern],
           expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            found.append(SchemaViolation(path, "\(JSONValue.string(text).jsonText) does not match the pattern \(pattern)"))
        }
        if case .string(let name) = schema["format"], let format = StringFormat(name: name), !format.matches(text) {
            found.append(SchemaViolation(path, "\(JSONValue.string(text).jsonText) is not a valid \(name) (like \(format.example))"))
        }
        return found
    }

    private static func numberViolations(_ number: Double, _ schema: JSONObject, at path: JSONPath) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        let checks: [(keyword: String, fails: (Double) -> Bool, phrase: String)] = [
            ("minimum", { number < $0 }, "at least"),
            ("exclusiveMinimum", { number <= $0 }, "greater than"),
            ("maximum", { number > $0 }, "at most"),
            ("exclusiveMaximum", { number >= $0 }, "less than"),
        ]
        for check in checks {
            if let bound = schema[check.keyword]?.numberValue, check.fails(bound) {
                found.append(SchemaViolation(path, "must be \(check.phrase) \(JSONValue.number(bound).jsonText), got \(JSONValue.number(number).jsonText)"))
            }
        }
        return found
    }

    private static func count(_ amount: Double, _ noun: String) -> String {
        "\(JSONValue.number(amount).jsonText) \(noun)\(amount == 1 ? "" : "s")"
    }
}

extension SchemaViolation {
    init(_ path: JSONPath, _ message: String) {
        self.init(path: path.description, message: message)
    }
}
