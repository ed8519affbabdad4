/// A part or form of a task parameter that a template can use: a backup named after a file's
/// stem, a folder taken from a path, a name in capitals. Only the model's templates use them
/// (see `ExampleGeneralizer`); each is checked against every recorded example before it is kept.
///
/// Like `Derivation`, each has a Lua twin (`LuaCompiler.prelude`, `H.transform`) and works on
/// ASCII bytes, so a follower and a crystallized module compute the same text.
public enum ParameterTransform: String, Sendable, Hashable, CaseIterable, Codable {
    /// What follows the last "/": "docs/notes.txt" → "notes.txt".
    case filename
    /// What precedes the last "/": "docs/notes.txt" → "docs".
    case folder
    /// The file name without its last extension: "notes.tar.gz" → "notes.tar".
    case stem
    /// The file name's last extension, without the dot: "notes.txt" → "txt".
    case `extension`
    case upper
    case lower

    /// The transformed value, or nil when there is none (no folder, no extension, ...).
    public func apply(to value: String) -> String? {
        let filename = String(value.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
        // A dot at the start (".bashrc") begins a name, not an extension.
        let dot = filename.lastIndex(of: ".").flatMap { $0 > filename.startIndex ? $0 : nil }
        let result: String?
        switch self {
        case .filename: result = filename
        case .folder: result = value.lastIndex(of: "/").map { String(value[..<$0]) }
        case .stem: result = dot.map { String(filename[..<$0]) } ?? filename
        case .extension: result = dot.map { String(filename[filename.index(after: $0)...]) }
        case .upper: result = Derivation.upper(value)
        case .lower: result = Derivation.lower(value)
        }
        guard let result, !result.isEmpty else { return nil }
        return result
    }
}
