import Foundation
import MCP
import NexusCore
import SystemPackage
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One MCP server in use: its process (for stdio) and the SDK's client. A server that dies or
/// hangs costs only its own calls: each call has a deadline, a dead or late server is stopped and
/// the call answered with an error, and the next call starts it again.
actor MCPConnection {
    let entry: MCPServerEntry
    /// `$NEXUS_HOME/logs`, where a stdio server's standard error goes (`mcp-NAME.log`).
    let logFolder: URL
    private var client: Client?
    private var process: Process?
    /// How long a server may take to start and answer `initialize`.
    static let startSeconds: Double = 30

    /// A stored secret by name, for the entry's `${credential:NAME}`.
    let credential: @Sendable (String) throws -> String?

    init(entry: MCPServerEntry, logFolder: URL, credential: @escaping @Sendable (String) throws -> String? = { _ in nil }) {
        self.entry = entry
        self.logFolder = logFolder
        self.credential = credential
    }

    /// The server's tools.
    /// - Throws: `NexusError(.backendUnavailable)` when it cannot be started or does not answer in `seconds`.
    func tools(within seconds: Double) async throws -> [MCP.Tool] {
        let client = try await connected(within: seconds)
        let listed = try await Deadline.run(seconds: seconds, while: { [weak self] in await self?.isAlive ?? false }) {
            try await client.listTools().tools
        }
        switch listed {
        case .value(let tools): return tools
        case .late, .ended:
            stop()
            throw NexusError(.backendUnavailable, "the MCP server '\(entry.name)' did not list its tools within \(Int(seconds)) s\(exitNote)")
        }
    }

    /// Calls one of its tools; every failure is a result the model can act on.
    func call(_ tool: String, arguments: JSONValue, within seconds: Double) async -> ToolResult {
        let client: Client
        do {
            // Starting the server again is not the call: it has a budget of its own.
            client = try await connected(within: Self.startSeconds)
        } catch let error as NexusError {
            return .error(error.message)
        } catch {
            return .error("the MCP server '\(entry.name)' cannot be reached: \(error)")
        }
        let mcpArguments = arguments.mcpValue.objectValue
        let outcome: Deadline.Outcome<(content: [MCP.Tool.Content], isError: Bool?)>
        do {
            outcome = try await Deadline.run(seconds: seconds, while: { [weak self] in await self?.isAlive ?? false }) {
                try await client.callTool(name: tool, arguments: mcpArguments)
            }
        } catch {
            let note = exitNote
            if !isAlive { stop() }
            return .error("the MCP server '\(entry.name)' failed on \(tool): \(Self.describe(error))\(note)")
        }
        switch outcome {
        case .value(let result):
            let text = Self.text(of: result.content)
            return result.isError == true ? .error(text.isEmpty ? "\(entry.name).\(tool) failed" : text) : .ok(text)
        case .late:
            stop()
            return .error("the MCP server '\(entry.name)' did not answer \(tool) within \(Int(seconds)) s (the policy's wall_seconds); it was stopped and starts again on the next call")
        case .ended:
            let note = exitNote
            stop()
            return .error("the MCP server '\(entry.name)' stopped during \(tool)\(note); it starts again on the next call")
        }
    }

    /// Ends the connection and the server's process.
    func stop() {
        let (client, process) = (self.client, self.process)
        self.client = nil
        self.process = nil
        if let process, process.isRunning { process.terminate() }
        if let client { Task { await client.disconnect() } }
    }

    private var isAlive: Bool {
        guard client != nil else { return false }
        return process.map(\.isRunning) ?? true
    }

    private var exitNote: String {
        guard let process, !process.isRunning else { return "" }
        return " (its process exited with status \(process.terminationStatus); see \(logFile.path))"
    }

    private var logFile: URL { logFolder.appendingPathComponent("mcp-\(entry.name).log") }

    private func connected(within seconds: Double) async throws -> Client {
        if let client, isAlive { return client }
        stop()
        let client = Client(name: "nexus", version: "0.1.0")
        let transport: any Transport
        switch try entry.resolvingCredentials(credential).endpoint {
        case .stdio(let command, let arguments, let environment, let folder):
            transport = try start(command: command, arguments: arguments, environment: environment, folder: folder)
        case .http(let url, let headers):
            transport = SSEReplyTransport(endpoint: url, headers: headers)
        }
        self.client = client
        let connecting: Deadline.Outcome<Void>
        do {
            connecting = try await Deadline.run(seconds: seconds, while: { [weak self] in await self?.processRunning ?? false }) {
                _ = try await client.connect(transport: transport)
            }
        } catch {
            // Writing to a server that has exited fails too (EPIPE), maybe before its exit is
            // noticed: that is an exit.
            for _ in 0..<10 where processRunning && process != nil { try? await Task.sleep(for: .milliseconds(50)) }
            guard processRunning else { try failed(.ended, within: seconds) }
            stop()
            let hint = if case .http = entry.endpoint { " (check its url and headers in mcp.json)" } else { "" }
            throw NexusError(.backendUnavailable, "the MCP server '\(entry.name)' refused to start a session: \(Self.describe(error))\(hint)")
        }
        guard case .value = connecting else { try failed(connecting, within: seconds) }
        return client
    }

    /// Stops a server that did not start and says why.
    private func failed(_ outcome: Deadline.Outcome<Void>, within seconds: Double) throws -> Never {
        let note = exitNote
        stop()
        if case .late = outcome {
            throw NexusError(.backendUnavailable, "the MCP server '\(entry.name)' did not start within \(Int(seconds)) s\(note)")
        }
        throw NexusError(.backendUnavailable, "the MCP server '\(entry.name)' exited before it answered\(note)")
    }

    private var processRunning: Bool { process.map(\.isRunning) ?? true }

    /// Starts a stdio server with a small environment (PATH, HOME, LANG, the file's `env`).
    private func start(command: String, arguments: [String], environment: [String: String], folder: String?) throws -> any Transport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "USER", "TMPDIR", "TERM"].contains($0.key) }
        process.environment = inherited.merging(environment) { _, new in new }
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
        if FileManager.default.createFile(atPath: logFile.path, contents: nil), let log = try? FileHandle(forWritingTo: logFile) {
            process.standardError = log
        } else {
            process.standardError = FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            throw NexusError(.backendUnavailable, "cannot start the MCP server '\(entry.name)' (\(command)): \(error.localizedDescription)")
        }
        self.process = process
        return PipeSafeStdioTransport(input: FileDescriptor(rawValue: output.fileHandleForReading.fileDescriptor),
                              output: FileDescriptor(rawValue: input.fileHandleForWriting.fileDescriptor))
    }

    /// An SDK or transport error in one line.
    static func describe(_ error: any Error) -> String {
        if let error = error as? MCPError { return error.errorDescription ?? "\(error)" }
        return error.localizedDescription
    }

    /// A result's content as text: text as it is, anything else named by its kind.
    static func text(of content: [MCP.Tool.Content]) -> String {
        content.map { item in
            switch item {
            case .text(let text, _, _): text
            case .image(_, let mimeType, _, _): "[image \(mimeType)]"
            case .audio(_, let mimeType, _, _): "[audio \(mimeType)]"
            case .resource(let resource, _, _): resource.text ?? "[resource \(resource.uri)]"
            case .resourceLink(let uri, let name, _, _, _, _): "[\(name): \(uri)]"
            }
        }.joined(separator: "\n")
    }
}

/// The first of: the work's value, the deadline, or `alive` turning false (checked every 100 ms).
enum Deadline {
    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case late
        case ended
    }

    static func run<T: Sendable>(seconds: Double, while alive: @escaping @Sendable () async -> Bool,
                                 _ work: @escaping @Sendable () async throws -> T) async throws -> Outcome<T> {
        let once = ResumeOnce<Outcome<T>>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let worker = Task {
                do { once.resume(.success(.value(try await work()))) } catch { once.resume(.failure(error)) }
            }
            Task {
                let end = ContinuousClock.now + .seconds(seconds)
                while ContinuousClock.now < end {
                    if once.isDone { return }
                    if await !alive() {
                        // A reply already on its way wins over the exit that followed it.
                        try? await Task.sleep(for: .milliseconds(200))
                        once.resume(.success(.ended))
                        worker.cancel()
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                once.resume(.success(.late))
                worker.cancel()
            }
        }
    }
}

/// A continuation resumed by whichever side comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var done = false

    var isDone: Bool { lock.withLock { done } }

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = lock.withLock {
            if let pending { return pending }
            self.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            guard !done else { return nil }
            done = true
            if let continuation { self.continuation = nil; return continuation }
            pending = result
            return nil
        }
        waiting?.resume(with: result)
    }
}
