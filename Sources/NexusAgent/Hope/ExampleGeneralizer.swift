import Foundation
public import NexusCore
public import NexusStore

/// Generalizes the steps one run could not explain, from every recorded run of the task shape.
///
/// A program is inferred from one run, so a value that run wrote without a visible source (a
/// backup named "notes_backup.txt", code with a file's text pasted in) stays literal, and is
/// wrong for the next task. Other successful runs of the same shape show which values vary.
/// Each text a step passes is checked against all of them; where the program's template does
/// not give every run's text:
/// 1. each run's own explanation (`Generalizer`, parts of parameters included) is tried
///    against all runs;
/// 2. then the model is asked for a template (`TemplateSyntax`, up to `attempts` replies);
/// 3. a template is kept only if it gives exactly the text of every run, else the step stays
///    as it was and the runs it does not fit are not used as the module's tests.
/// The model is called only for such steps: when the runs agree, nothing is asked.
struct ExampleGeneralizer {
    var program: TraceProgram
    /// The program's own run first.
    var examples: [ProgramExample]
    var model: (any InferenceBackend)?
    var attempts = 3
    /// Texts longer than this are not sent to the model (its context is small).
    var longestText = 1_500

    struct Outcome {
        var program: TraceProgram
        /// Texts generalized by another run's explanation, and by the model.
        var byExamples = 0
        var byModel = 0
        /// Model tokens (prompt and completion) spent on the questions, answered or not.
        var modelTokens = 0
        /// The runs whose calls the generalized program makes exactly.
        var agreeing: [String] = []
    }

    func run() async -> Outcome {
        var outcome = Outcome(program: program)
        for index in program.steps.indices {
            let step = outcome.program.steps[index]
            var leaves = step.arguments.textLeaves
            let texts = examples.map { $0.arguments[index].textLeaves(shapedLike: step.arguments) ?? [] }
            for leaf in leaves.indices {
                let wanted = texts.map { $0.indices.contains(leaf) ? $0[leaf] : "" }
                guard !fits(leaves[leaf], wanted, beforeStep: index) else { continue }
                if let found = fromExamples(wanted, beforeStep: index) {
                    leaves[leaf] = found
                    outcome.byExamples += 1
                } else {
                    let asked = await fromModel(wanted, step: index)
                    outcome.modelTokens += asked.tokens
                    if let found = asked.template {
                        leaves[leaf] = found
                        outcome.byModel += 1
                    }
                }
            }
            outcome.program.steps[index].arguments = step.arguments.replacingTextLeaves(leaves)
        }
        // The answer too, when the runs' answers have one form (a follower's answer names the
        // backup it made, not the first run's); otherwise it stays as the trace's run gave it.
        let answers = examples.map(\.answer), allSteps = program.steps.count
        if !fits(outcome.program.answer, answers, beforeStep: allSteps), let found = fromExamples(answers, beforeStep: allSteps) {
            outcome.program.answer = found
        }
        outcome.agreeing = examples.filter { $0.agrees(with: outcome.program) }.map(\.runID)
        return outcome
    }

    /// Whether `template` gives each example's text, from the results before `step` only.
    private func fits(_ template: TextTemplate, _ wanted: [String], beforeStep step: Int) -> Bool {
        zip(examples, wanted).allSatisfy { example, text in
            (try? template.render(parameters: example.parameters, results: Array(example.results.prefix(step)))) == text
        }
    }

    private func fromExamples(_ wanted: [String], beforeStep step: Int) -> TextTemplate? {
        for (example, text) in zip(examples, wanted) {
            let explained = Generalizer(parameters: example.parameters, results: Array(example.results.prefix(step)), usesParameterParts: true)
                .generalize(text)
            if fits(explained, wanted, beforeStep: step) { return explained }
        }
        return nil
    }

    private func fromModel(_ wanted: [String], step: Int) async -> (template: TextTemplate?, tokens: Int) {
        guard let model, wanted.allSatisfy({ $0.count <= longestText }) else { return (nil, 0) }
        let messages = question(wanted, step: step)
        var tokens = 0
        for attempt in 0..<attempts {
            // The first reply is the model's most likely; the others are drawn at a temperature.
            let sampling = attempt == 0 ? SamplingParameters(temperature: 0) : SamplingParameters(temperature: 0.7, seed: UInt32(attempt))
            guard let reply = try? await model.complete(GenerationRequest(prompt: .chat(messages), sampling: sampling, maxTokens: 400)) else {
                return (nil, tokens)
            }
            tokens += reply.usage.promptTokens + reply.usage.completionTokens
            var template = TemplateSyntax.parse(TemplateSyntax.replyText(reply.text), parameterNames: program.parameterNames, steps: step)
            // A fenced or trimmed reply loses the newline a file's text ends with.
            if wanted.allSatisfy({ $0.hasSuffix("\n") }), !template.endsWithNewline { template = TextTemplate(template.pieces + [.literal("\n")]) }
            if !template.isLiteral, fits(template, wanted, beforeStep: step) { return (template, tokens) }
        }
        return (nil, tokens)
    }

    /// The instructions and the examples (at most four) for one text of one step.
    private func question(_ wanted: [String], step: Int) -> [ChatMessage] {
        let names = program.parameterNames
        var lines = [
            "Runs of tasks of the shape \"\(program.signature)\" called the tool \(program.steps[step].tool) as their step \(step + 1), "
                + "each passing the text shown below. Write one template that gives exactly the text of every run.",
            "",
            "In the template write:",
            TemplateSyntax.legend(parameterNames: names, steps: step),
            "and copy every other character as it is.",
        ]
        for (number, (example, text)) in zip(examples, wanted).prefix(4).enumerated() {
            lines += ["", "Run \(number + 1)", "values: " + zip(names, example.parameters).map { "\($0) = \($1)" }.joined(separator: ", ")]
            for earlier in 0..<step where !example.results[earlier].isEmpty {
                lines += ["result of step\(earlier + 1):", "```", String(example.results[earlier].prefix(300)), "```"]
            }
            lines += ["text:", "```", text, "```"]
        }
        lines += ["", "Reply with the template alone, inside one ``` block."]
        return [.system("You write text templates. You reply with a template and nothing else."), .user(lines.joined(separator: "\n"))]
    }
}

extension ExampleGeneralizer {
    /// The program of a stored trace, generalized across the successful runs of its task shape
    /// (crystallized runs are one module call, and are left out), the trace's own run first.
    /// - Returns: nil when there is no such run or it made no successful tool call.
    /// - Throws: `NexusError(.databaseFailed)` when the runs cannot be read.
    /// `names` are words of the trace's task read as bare names (`NamesInUse`); the other runs of
    /// its signature have those words too, as every word of a signature that is not a placeholder.
    static func program(of trace: Trace, database: NexusDatabase, model: (any InferenceBackend)?, names: Set<String> = []) async throws -> Outcome? {
        guard let program = try TraceProgram.infer(runID: trace.runID, database: database, names: names) else { return nil }
        let runs = RunStore(database: database)
        // Only runs of the same owner: one key's runs never shape what another key's replays do.
        let owner = try runs.run(id: trace.runID)?.ownerKeyID
        let others = try TraceStore(database: database, learnedFrom: .owner(owner)).proven(signature: trace.signature, limit: 30)
            .filter { $0.runID != trace.runID && $0.mode != HopeMode.crystallized }.map(\.runID)
        let examples = try ([trace.runID] + others).compactMap { id -> ProgramExample? in
            guard let run = try runs.run(id: id) else { return nil }
            return ProgramExample(runID: id, task: run.task, steps: try runs.steps(runID: id), answer: run.answer ?? "", program: program, names: names)
        }
        return await ExampleGeneralizer(program: program, examples: examples, model: model).run()
    }
}

extension TextTemplate {
    var endsWithNewline: Bool {
        if case .literal(let text)? = pieces.last { text.hasSuffix("\n") } else { false }
    }
}
