public import NexusCore

/// Sampling settings by the names both APIs use: OpenAI at the top level of a request, Ollama
/// inside `options`. llama.cpp's own names (`top_k`, `min_p`, `repeat_penalty`) work in both.
public enum SamplingFields {
    /// - Throws: `NexusError(.invalidArgument)` naming a field with a wrong type or range.
    public static func sampling(in fields: RequestFields) throws -> SamplingParameters {
        var sampling = SamplingParameters()
        if let value = try fields.number("temperature") {
            guard value >= 0, value <= 100 else { throw outOfRange(fields, "temperature", "0 to 100") }
            sampling.temperature = value
        }
        if let value = try fields.number("top_p") {
            guard value >= 0, value <= 1 else { throw outOfRange(fields, "top_p", "0 to 1") }
            sampling.topP = value
        }
        if let value = try fields.number("min_p") {
            guard value >= 0, value <= 1 else { throw outOfRange(fields, "min_p", "0 to 1") }
            sampling.minP = value
        }
        if let value = try fields.integer("top_k", in: 0...1_000_000) { sampling.topK = value }
        if let value = try fields.number("repeat_penalty") {
            guard value >= 0, value <= 100 else { throw outOfRange(fields, "repeat_penalty", "0 to 100") }
            sampling.repeatPenalty = value
        }
        if let value = try fields.integer("repeat_last_n", in: -1...1_000_000) { sampling.repeatLastN = value }
        if let value = try fields.number("frequency_penalty") {
            guard value >= -2, value <= 2 else { throw outOfRange(fields, "frequency_penalty", "-2 to 2") }
            sampling.frequencyPenalty = value
        }
        if let value = try fields.number("presence_penalty") {
            guard value >= -2, value <= 2 else { throw outOfRange(fields, "presence_penalty", "-2 to 2") }
            sampling.presencePenalty = value
        }
        if let value = try fields.number("seed") {
            // Clients send any integer (OpenAI's examples use 64-bit values); llama.cpp takes 32 bits.
            guard value == value.rounded() else { throw outOfRange(fields, "seed", "whole numbers") }
            sampling.seed = value < 0 ? nil : UInt32(truncatingIfNeeded: Int64(clamping: value))
        }
        return sampling
    }

    /// `stop`: one string or a list of them.
    public static func stop(in fields: RequestFields) throws -> [String] {
        (try fields.strings("stop") ?? []).filter { !$0.isEmpty }
    }

    /// Ollama's `num_predict`: a token limit, or nil for -1 ("until done") and -2 ("until the context is full").
    public static func tokenLimit(numPredictIn fields: RequestFields) throws -> Int? {
        guard let limit = try fields.integer("num_predict", in: -2...Int(Int32.max)), limit >= 0 else { return nil }
        return limit
    }

    private static func outOfRange(_ fields: RequestFields, _ key: String, _ range: String) -> NexusError {
        NexusError(.invalidArgument, "\(fields.name(key)) must be in the range \(range)")
    }
}

extension Int64 {
    init(clamping value: Double) {
        if value >= 9.2e18 { self = .max } else if value <= -9.2e18 { self = .min } else { self = Int64(value) }
    }
}
