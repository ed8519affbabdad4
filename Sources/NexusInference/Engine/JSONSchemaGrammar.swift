import CLlama
public import NexusCore

/// Turns JSON Schemas into GBNF grammars with llama.cpp's converter.
public enum JSONSchemaGrammar {
    /// The grammar whose sentences are the JSON documents valid against `schema`.
    /// - Throws: `NexusError(.unsupportedSchema | .invalidSchema)` before conversion if the schema
    ///   uses a keyword the grammar cannot enforce, so nothing is silently ignored.
    public static func grammar(for schema: JSONValue) throws -> String {
        let checked = try JSONSchema(schema)
        var error: UnsafeMutablePointer<CChar>?
        guard let raw = nx_json_schema_to_grammar(checked.root.jsonText, &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            throw NexusError(.invalidSchema, "the JSON Schema cannot be turned into a grammar (\(reason)); simplify it")
        }
        defer { nx_string_free(raw) }
        return String(cString: raw)
    }
}

extension JSONSchemaGrammar {
    /// Whether `text` is a complete sentence of the GBNF `grammar`.
    /// - Throws: `NexusError(.invalidSchema)` when the grammar itself does not parse.
    public static func matches(grammar: String, text: String) throws -> Bool {
        LlamaBackend.ensureInitialised()
        var error: UnsafeMutablePointer<CChar>?
        let result = nx_grammar_matches(grammar, text, &error)
        if result < 0 {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            nx_string_free(error)
            throw NexusError(.invalidSchema, "the grammar does not parse (\(reason))")
        }
        return result == 1
    }
}

extension ResponseFormat {
    /// The checked schema output must follow (`{"type": "object"}` for JSON mode), or nil for text.
    /// - Throws: `NexusError(.unsupportedSchema | .invalidSchema)`.
    var grammarSchema: JSONValue? {
        get throws {
            switch self {
            case .text: return nil
            case .json: return ["type": "object"]
            case .jsonSchema(let schema): return try JSONSchema(schema).root
            }
        }
    }
}
