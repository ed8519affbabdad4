import ArgumentParser
import Foundation
import NexusCore
import NexusInference
import NexusRuntime

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure prompt processing and generation speed the way llama-bench does.")

    @Option(name: .shortAndLong, help: "A model name or .gguf path.") var model: String?
    @Option(name: [.customShort("p"), .customLong("n-prompt")], help: "Prompt tokens (pp test); 0 skips it.") var promptTokens: Int = 512
    @Option(name: [.customShort("n"), .customLong("n-gen")], help: "Generated tokens (tg test); 0 skips it.") var generateTokens: Int = 128
    @Option(name: [.customShort("t"), .customLong("threads")], help: "CPU threads.") var threads: Int?
    @Option(name: [.customShort("r"), .customLong("repetitions")], help: "Repetitions of each test.") var repetitions: Int = 5
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard promptTokens >= 0, generateTokens >= 0, promptTokens + generateTokens > 0 else {
            throw ValidationError("-p and -n must be 0 or more, and not both 0")
        }
        guard repetitions > 0 else { throw ValidationError("-r must be at least 1") }
    }

    struct Report: Codable {
        var model: String
        var threads: Int
        var test: String
        var tokensPerSecond: Double
        var standardDeviation: Double
        var samples: [Double]
    }

    func run() async throws {
        let factory = BackendFactory(configuration: NexusConfiguration())
        let name = model ?? factory.configuration.defaultModel
        let reference = try ModelReference(parsing: name)
        switch reference {
        case .named, .path: break
        case .openAI, .script, .gateway:
            throw NexusError(.invalidArgument, "nexus bench measures local models; \(name) is remote, scripted or routed")
        }
        let engineConfiguration = EngineConfiguration(
            contextLength: promptTokens + generateTokens + 16, slots: 1,
            batchSize: max(512, promptTokens), threads: threads ?? factory.configuration.threads)
        let progress = LoadProgress(label: name)
        let engine = try await LlamaEngine.load(
            path: try factory.store.path(for: reference), configuration: engineConfiguration, progress: progress.report)
        progress.finish()
        let results = try await EngineBenchmark.run(
            engine: engine, promptTokens: promptTokens, generateTokens: generateTokens, repetitions: repetitions)
        let reports = results.map {
            Report(model: name, threads: engineConfiguration.threads, test: $0.test,
                   tokensPerSecond: $0.mean, standardDeviation: $0.standardDeviation, samples: $0.samples)
        }
        if json {
            print(try JSONOutput.text(reports))
            return
        }
        print(Table.render(
            header: ["model", "threads", "test", "t/s"],
            rows: reports.map { [$0.model, String($0.threads), $0.test, String(format: "%.2f ± %.2f", $0.tokensPerSecond, $0.standardDeviation)] }))
    }
}
