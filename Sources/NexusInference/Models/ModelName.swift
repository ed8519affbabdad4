import NexusCore

/// A model's name in the store, in its one canonical form: `MODEL` or `MODEL:TAG`, lowercase, with
/// Ollama's default tag `latest` left out (`Qwen:Latest`, `qwen:latest` and `qwen` are one model).
///
/// The canonical form maps to exactly one manifest file and back (``manifestFileName``), so two
/// different models never share a manifest, and it always reads back as ``ModelReference/named(_:)``:
/// a store name can never be taken for a path, a script or a remote endpoint.
public struct ModelName: Sendable, Hashable, CustomStringConvertible {
    /// The part before `:`, lowercase.
    public let model: String
    /// The part after `:`, lowercase; nil for `latest`.
    public let tag: String?

    static let maxLength = 200
    /// Characters a model or a tag may hold; anything else (`/`, `\`, `%`, spaces, controls, `#`)
    /// could make the name mean a path, a URL or another file.
    private static let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    /// Model parts that are ``ModelReference``'s own prefixes or URL schemes: `script:x.json` is a
    /// script to load, not model `script` tag `x.json`.
    static let reservedModels: Set<String> = ["script", "openai", "gateway", "file", "http", "https", "path", "blob", "sha256"]

    /// Reads and checks a name as a request or a manifest writes it.
    /// - Throws: `NexusError(.invalidArgument)` saying what is wrong with it and what a name may hold.
    public init(validating text: String) throws {
        let rule = "a model name is MODEL or MODEL:TAG of at most \(Self.maxLength) letters, digits, '.', '-' and '_', starting with a letter or digit"
        func refuse(_ why: String) -> NexusError {
            NexusError(.invalidArgument, "'\(text.prefix(Self.maxLength))' is not a usable model name: \(why); \(rule)")
        }
        guard !text.isEmpty else { throw refuse("it is empty") }
        guard text.count <= Self.maxLength else { throw refuse("it is longer than \(Self.maxLength) characters") }
        let lowered = text.lowercased()
        let parts = lowered.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw refuse("it has more than one ':'") }
        for part in parts {
            guard let first = part.first else { throw refuse("it has an empty part around ':'") }
            guard part.allSatisfy({ Self.allowed.contains($0) }) else {
                throw refuse("it holds a character other than letters, digits, '.', '-' and '_'")
            }
            guard first.isLetter || first.isNumber else { throw refuse("'\(part)' does not start with a letter or digit") }
        }
        guard !Self.reservedModels.contains(parts[0]) else {
            throw refuse("'\(parts[0]):' is reserved for other kinds of model reference")
        }
        guard !parts[parts.count - 1].hasSuffix(".gguf") else { throw refuse("a name ending in .gguf reads as a file path") }
        model = parts[0]
        tag = parts.count == 2 && parts[1] != "latest" ? parts[1] : nil
        // Whatever ModelReference learns to read later, a store name must stay a name.
        guard (try? ModelReference(parsing: description)) == .named(description) else {
            throw refuse("it reads as another kind of model reference")
        }
    }

    /// `MODEL` or `MODEL:TAG`: what the store records and lists.
    public var description: String {
        tag.map { "\(model):\($0)" } ?? model
    }

    /// The manifest's file name: every character outside `a-z 0-9 . -` written as `%XX`, so the
    /// mapping is one-to-one (`a:b` is `a%3Ab.json`, `a_b` is `a%5Fb.json`).
    public var manifestFileName: String {
        var encoded = ""
        for byte in description.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if character == "." || character == "-" || (character.isASCII && (character.isLetter || character.isNumber)) {
                encoded.append(character)
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded + ".json"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
