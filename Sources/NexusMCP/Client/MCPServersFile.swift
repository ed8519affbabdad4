public import Foundation
public import NexusCore

/// One MCP server Nexus can use, as `$NEXUS_HOME/mcp.json` lists it.
public struct MCPServerEntry: Sendable, Hashable {
    public enum Endpoint: Sendable, Hashable {
        /// A program Nexus starts, speaking MCP on its stdin and stdout.
        case stdio(command: String, arguments: [String], environment: [String: String], folder: String?)
        /// A server reached over Streamable HTTP, with headers sent on every request (a bearer token).
        case http(url: URL, headers: [String: String])
    }

    public var name: String
    public var endpoint: Endpoint

    /// The entry with each `${credential:NAME}` in its `env` and `headers` values replaced by the
    /// stored secret, read when the server starts.
    /// - Throws: `NexusError(.invalidArgument)` naming a credential that is not stored.
    func resolvingCredentials(_ lookup: (String) throws -> String?) throws -> MCPServerEntry {
        func resolve(_ text: String) throws -> String {
            var result = ""
            var rest = Substring(text)
            while let start = rest.range(of: MCPServersFile.credentialOpening), let end = rest[start.upperBound...].firstIndex(of: "}") {
                let credential = String(rest[start.upperBound..<end])
                guard let value = try lookup(credential) else {
                    throw NexusError(.invalidArgument, "the MCP server '\(name)' needs the credential \(credential), which is not stored; store it with `nexus credentials set \(credential)`")
                }
                result += rest[..<start.lowerBound] + value
                rest = rest[rest.index(after: end)...]
            }
            return result + rest
        }
        var resolved = self
        switch endpoint {
        case .stdio(let command, let arguments, let environment, let folder):
            resolved.endpoint = .stdio(command: command, arguments: arguments, environment: try environment.mapValues(resolve), folder: folder)
        case .http(let url, let headers):
            resolved.endpoint = .http(url: url, headers: try headers.mapValues(resolve))
        }
        return resolved
    }
}

/// `$NEXUS_HOME/mcp.json`: the MCP servers whose tools Nexus may offer, in the `mcpServers`
/// layout desktop clients use, so a configuration can be pasted as it is:
///
/// ```json
/// {"mcpServers": {
///   "files": {"command": "npx", "args": ["-y", "@scope/server"], "env": {"TOKEN": "${FILES_TOKEN}"}},
///   "search": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer ${SEARCH_KEY}"}}
/// }}
/// ```
///
/// `${NAME}` in `env` and `headers` values is read from Nexus's own environment, and
/// `${credential:NAME}` from the credential store (`nexus credentials set NAME`) when the server
/// starts, so secrets need not sit in the file. A server with `"disabled": true` is left out.
/// Listing a server here offers nothing by itself: a run's policy must name it (`mcp = [...]`).
public enum MCPServersFile {
    public static func url(home: URL) -> URL { home.appendingPathComponent("mcp.json") }

    /// The servers of `home`'s file; none when there is no file.
    /// - Throws: `NexusError(.invalidArgument)` naming the file and the server when the file is not this layout.
    public static func load(home: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [MCPServerEntry] {
        let file = url(home: home)
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw NexusError(.ioError, "cannot read \(file.path): \(error.localizedDescription)")
        }
        return try parse(text, source: file.path, environment: environment)
    }

    /// The servers of a file's text.
    public static func parse(_ text: String, source: String, environment: [String: String]) throws -> [MCPServerEntry] {
        func problem(_ message: String) -> NexusError {
            NexusError(.invalidArgument, "\(source): \(message) (see docs/mcp.md for the layout)")
        }
        guard let document = (try? JSONValue.parse(text))?.objectValue else { throw problem("not a JSON object") }
        guard let servers = (document["mcpServers"] ?? document["servers"])?.objectValue else {
            throw problem("has no \"mcpServers\" object")
        }
        return try servers.keys.compactMap { name -> MCPServerEntry? in
            guard MCPServerName.isValid(name) else { throw problem("'\(name)' is not a usable server name (\(MCPServerName.rule))") }
            guard let entry = servers[name]?.objectValue else { throw problem("server '\(name)' must be an object") }
            if entry["disabled"]?.boolValue == true { return nil }
            let expand = { (value: String) in expanding(value, environment: environment) }
            if let command = entry["command"]?.stringValue {
                let arguments = try strings(entry["args"], "args", name, problem)
                let variables = try table(entry["env"], "env", name, problem).mapValues(expand)
                return MCPServerEntry(name: name, endpoint: .stdio(command: command, arguments: arguments, environment: variables,
                                                                   folder: entry["cwd"]?.stringValue))
            }
            if let address = entry["url"]?.stringValue {
                guard let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                    throw problem("server '\(name)' has a 'url' that is not an http(s) address")
                }
                if entry["type"]?.stringValue == "sse" {
                    throw problem("server '\(name)' uses the old SSE transport; Nexus speaks Streamable HTTP (drop \"type\": \"sse\" if the server offers both)")
                }
                return MCPServerEntry(name: name, endpoint: .http(url: url, headers: try table(entry["headers"], "headers", name, problem).mapValues(expand)))
            }
            throw problem("server '\(name)' needs \"command\" (a program to start) or \"url\" (a Streamable HTTP endpoint)")
        }
    }

    private static func strings(_ value: JSONValue?, _ key: String, _ name: String, _ problem: (String) -> NexusError) throws -> [String] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
            throw problem("'\(key)' of server '\(name)' must be a list of strings")
        }
        return items
    }

    private static func table(_ value: JSONValue?, _ key: String, _ name: String, _ problem: (String) -> NexusError) throws -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw problem("'\(key)' of server '\(name)' must be an object of strings") }
        var result: [String: String] = [:]
        for field in object.keys {
            guard let text = object[field]?.stringValue else { throw problem("'\(key).\(field)' of server '\(name)' must be a string") }
            result[field] = text
        }
        return result
    }

    /// `${NAME}` replaced by the variable's value (empty when unset); `${credential:NAME}` is
    /// left for ``MCPServerEntry/resolvingCredentials(_:)``.
    static func expanding(_ text: String, environment: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            result += rest[..<start.lowerBound]
            let name = String(rest[start.upperBound..<end])
            result += name.hasPrefix("credential:") ? "${\(name)}" : environment[name] ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    static let credentialOpening = "${credential:"
}
