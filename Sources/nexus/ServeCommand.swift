import ArgumentParser
import Foundation
import Logging
import NexusRuntime

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the Ollama- and OpenAI-compatible HTTP APIs and server-side agents.",
        discussion: """
            Listens on 127.0.0.1:11434 (Ollama's port) unless --host/--port or NEXUS_HOST say otherwise.
            Models load on first use and unload after keep_alive (5 minutes by default).
            NEXUS_PARALLEL sets the slots decoded together, NEXUS_QUEUE_LIMIT the requests that may wait.
            """)

    @Option(help: "Address to listen on (a non-loopback address requires an API key on every route).")
    var host: String?
    @Option(help: "Port to listen on.")
    var port: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        if let port, !(1...65535).contains(port) {
            throw ValidationError("--port must be from 1 to 65535, not \(port)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "nexus.serve")
        try await ServerLauncher(configuration: NexusConfiguration()).run(host: host, port: port, logger: logger)
    }
}
