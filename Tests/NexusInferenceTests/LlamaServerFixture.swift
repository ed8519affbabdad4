import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real llama-server on a free loopback port, for tests of ``OpenAIBackend``.
///
/// `NEXUS_LLAMA_SERVER` overrides where the binary is looked for, `NEXUS_TEST_MODEL` and
/// `NEXUS_TEST_TOOL_MODEL` the two models; by default they are the ones `make setup` builds and downloads.
struct LlamaServerFixture {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The models the tests serve.
    enum Model {
        /// SmolLM2-135M: the fastest; its chat template knows no tools.
        case small
        /// Qwen2.5-Coder-0.5B: its chat template describes tools and reads `<tool_call>` blocks.
        case toolCalling

        var path: String {
            let environment = ProcessInfo.processInfo.environment
            switch self {
            case .small:
                return environment["NEXUS_TEST_MODEL"] ?? home + "/.nexus/models/SmolLM2-135M-Instruct.Q4_1.gguf"
            case .toolCalling:
                return environment["NEXUS_TEST_TOOL_MODEL"] ?? home + "/.nexus/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
            }
        }
    }

    let port: Int
    let baseURL: URL
    private let process: Process
    private let logURL: URL

    static var serverPath: String {
        ProcessInfo.processInfo.environment["NEXUS_LLAMA_SERVER"]
            ?? home + "/.cache/nexus/llama-0.3.36-cpu/build/bin/llama-server"
    }

    private static var home: String { FileManager.default.homeDirectoryForCurrentUser.path }

    /// Starts llama-server, waits until it is healthy, runs `body`, and always stops the server.
    ///
    /// - Throws: ``Failure`` when the binary or model is missing, or the server is not healthy within
    ///   `startupSeconds` (with the end of its log); otherwise whatever `body` throws.
    static func withServer<T>(
        model: Model = .small, startupSeconds: Double = 60, _ body: (LlamaServerFixture) async throws -> T
    ) async throws -> T {
        let server = try start(model: model)
        do {
            try await server.waitUntilHealthy(seconds: startupSeconds)
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func start(model: Model) throws -> LlamaServerFixture {
        let modelPath = model.path
        let binary = serverPath
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: """
                llama-server is missing at \(binary); build it with `cmake --build \
                $HOME/.cache/nexus/llama-0.3.36-cpu/build --target llama-server -j2` or set NEXUS_LLAMA_SERVER
                """)
        }
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw Failure(description: "the test model is missing at \(modelPath); run `make setup` or set NEXUS_TEST_MODEL / NEXUS_TEST_TOOL_MODEL")
        }
        let port = try freePort()
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-llama-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "-m", modelPath, "--host", "127.0.0.1", "--port", String(port),
            "-c", "2048", "-np", "2", "--jinja", "-t", "2",
            // The warm-up decode takes seconds on a busy 2-core machine and tests nothing here.
            "--no-warmup",
        ]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try withSignalsUnblocked { try process.run() }
        try? log.close()
        return LlamaServerFixture(port: port, baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!,
                                  process: process, logURL: logURL)
    }

    /// Polls `GET /health` until it answers 200.
    private func waitUntilHealthy(seconds: Double) async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw Failure(description: "llama-server exited with status \(process.terminationStatus) before it was healthy; its log ends:\n\(logTail())")
            }
            var request = URLRequest(url: url)
            request.timeoutInterval = 2
            if let (_, response) = try? await URLSession.shared.data(for: request),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw Failure(description: "llama-server on port \(port) was not healthy within \(Int(seconds)) s; its log ends:\n\(logTail())")
    }

    /// GET on the server's own (non-/v1) API, decoded as JSON.
    func getJSON(_ path: String) async throws -> Any {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Terminates the server and waits for it off the cooperative pool, escalating to SIGKILL after 5 s.
    private func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                let killAt = Date().addingTimeInterval(5)
                while process.isRunning && Date() < killAt {
                    usleep(50_000)
                }
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                }
                process.waitUntilExit()
                continuation.resume()
            }
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Runs `body` with no signal blocked on this thread.
    ///
    /// The test runner's threads block most signals, and a child inherits the mask of the thread that spawns
    /// it: a llama-server started with that mask never sees SIGTERM and would have to be killed.
    private static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// A loopback port nothing listens on right now (the kernel picks it).
    static func freePort() throws -> Int {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "cannot open a socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a loopback socket to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
