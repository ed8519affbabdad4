/// Static checks of a module's Lua code against its manifest, before anything runs: names the
/// sandbox does not provide, binary chunks, and literal `require`, `nexus.call` and
/// `nexus.credential` targets that the manifest did not declare. Each finding has a line and a hint.
enum StaticChecker {
    struct Finding: Equatable {
        var line: Int
        var message: String
        var hint: String
        /// A tool or credential the manifest does not grant: what the policy would refuse.
        var forbidden = false
    }

    /// Globals that do not exist in the sandbox, with what to use instead.
    static let unavailable: [String: String] = [
        "os": "the sandbox has no os library; run commands with nexus.call(\"execute_command\", {...}) and declare it in capabilities.tools",
        "io": "the sandbox has no io library; read files with nexus.call(\"filesystem_read\", {path = ...}) and declare the tool and the path",
        "debug": "the sandbox has no debug library",
        "package": "the sandbox has no package library; list modules in \"dependencies\" and load them with require(\"name\")",
        "dofile": "modules are loaded from the graph, not files; use require(\"name\") with a declared dependency",
        "loadfile": "modules are loaded from the graph, not files; use require(\"name\") with a declared dependency",
        "loadstring": "Lua 5.4 has no loadstring; use load(text)",
        "setfenv": "Lua 5.4 has no setfenv; pass an environment to load(text, name, \"t\", env)",
        "getfenv": "Lua 5.4 has no getfenv",
        "collectgarbage": "the sandbox manages memory itself; remove the call",
    ]

    static func check(code: String, manifest: ModuleManifest) -> [Finding] {
        var findings: [Finding] = []
        if code.utf8.first == 0x1B {
            return [Finding(line: 1, message: "the code is a precompiled (binary) chunk", hint: "modules are Lua source text; store the .lua source, not luac output")]
        }
        let tokens = LuaTokens.scan(code)
        let dependencies = Set(manifest.dependencies.map(\.name))
        for (index, token) in tokens.enumerated() where token.kind == .name {
            let previous = index > 0 ? tokens[index - 1] : nil
            let isField = previous?.kind == .symbol && (previous?.text == "." || previous?.text == ":")
            let isLocalName = previous?.kind == .name && previous?.text == "local"
            if !isField, !isLocalName, let hint = unavailable[token.text] {
                findings.append(Finding(line: token.line, message: "uses '\(token.text)', which the sandbox does not provide", hint: hint))
            }
            if token.text == "dump", index >= 2, tokens[index - 2].text == "string", previous?.text == "." {
                findings.append(Finding(line: token.line, message: "uses string.dump, which the sandbox does not provide", hint: "binary chunks cannot be loaded; keep code as source text"))
            }
            if !isField, token.text == "require", let name = literalArgument(tokens, after: index), !dependencies.contains(name) {
                findings.append(Finding(line: token.line, message: "requires '\(name)', which is not in the manifest's dependencies",
                                        hint: "add \"\(name)\": \"^1.0.0\" (or the version you need) to \"dependencies\""))
            }
            if token.text == "nexus", index + 2 < tokens.count, tokens[index + 1].text == ".", tokens[index + 2].kind == .name {
                let member = tokens[index + 2].text
                guard let argument = literalArgument(tokens, after: index + 2) else { continue }
                if member == "call", !manifest.capabilities.tools.contains(argument) {
                    findings.append(Finding(line: token.line, message: "calls the tool '\(argument)', which is not in capabilities.tools",
                                            hint: "add \"\(argument)\" to capabilities.tools (and the paths or hosts it needs)", forbidden: true))
                }
                if member == "credential", !manifest.capabilities.env.contains(argument) {
                    findings.append(Finding(line: token.line, message: "reads the credential '\(argument)', which is not in capabilities.env",
                                            hint: "add \"\(argument)\" to capabilities.env", forbidden: true))
                }
            }
        }
        return findings
    }

    /// The string literal a call passes first: `f("x", ...)` or `f "x"`.
    private static func literalArgument(_ tokens: [LuaToken], after index: Int) -> String? {
        guard index + 1 < tokens.count else { return nil }
        let next = tokens[index + 1]
        if next.kind == .string { return next.text }
        if next.kind == .symbol, next.text == "(", index + 2 < tokens.count, tokens[index + 2].kind == .string { return tokens[index + 2].text }
        return nil
    }
}
