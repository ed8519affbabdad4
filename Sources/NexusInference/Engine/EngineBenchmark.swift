import Foundation
public import NexusCore

/// One benchmark test in the style of `llama-bench`: `pp512` (prompt processing) or `tg128`
/// (token generation), with tokens/s over the repetitions.
public struct BenchmarkResult: Sendable, Hashable, Codable {
    public var test: String
    public var tokens: Int
    public var samples: [Double]
    public var mean: Double { samples.reduce(0, +) / Double(max(samples.count, 1)) }
    public var standardDeviation: Double {
        guard samples.count > 1 else { return 0 }
        let mean = self.mean
        return (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count - 1)).squareRoot()
    }
}

/// Measures an engine the way `llama-bench` measures llama.cpp, but through the engine's own
/// request path (slots, batching, sampling), so the figure is what a user of Nexus gets.
public enum EngineBenchmark {
    /// Runs `pp<promptTokens>` and `tg<generateTokens>`, each after one warm-up run.
    /// - Throws: the engine's errors.
    public static func run(engine: LlamaEngine, promptTokens: Int, generateTokens: Int, repetitions: Int) async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        let vocabulary = engine.model.tokenCount
        if promptTokens > 0 {
            var samples: [Double] = []
            for repetition in 0...repetitions {
                let tokens = (0..<promptTokens).map { _ in Int32.random(in: 0..<Int32(vocabulary)) }
                let usage = try await measure(engine, tokens: tokens, generate: 1)
                if repetition > 0 { samples.append(Double(promptTokens) / usage.promptSeconds) }
            }
            results.append(BenchmarkResult(test: "pp\(promptTokens)", tokens: promptTokens, samples: samples))
        }
        if generateTokens > 0 {
            var samples: [Double] = []
            for repetition in 0...repetitions {
                let usage = try await measure(engine, tokens: [engine.model.beginningToken], generate: generateTokens)
                if repetition > 0 { samples.append(Double(generateTokens) / (usage.promptSeconds + usage.generationSeconds)) }
            }
            results.append(BenchmarkResult(test: "tg\(generateTokens)", tokens: generateTokens, samples: samples))
        }
        return results
    }

    private static func measure(_ engine: LlamaEngine, tokens: [Int32], generate: Int) async throws -> GenerationUsage {
        await engine.clearCache()
        let request = GenerationRequest(prompt: .text(""), sampling: .greedy, maxTokens: generate, ignoreEndOfGeneration: true)
        for try await event in engine.generate(request, promptTokens: tokens) {
            if case .done(let result) = event { return result.usage }
        }
        throw NexusError(.inferenceFailed, "the benchmark generation ended without a result")
    }
}
