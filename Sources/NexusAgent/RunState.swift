import NexusCore
import NexusStore

/// What the loop needs to continue a run: saved after every step in the run's record. A state
/// saved by an older version lacks the newer fields; they decode to their defaults.
struct RunState: Codable, Sendable {
    var messages: [ChatMessage]
    /// Steps taken so far (model turns).
    var step = 0
    /// Signatures of the tool calls already carried out, to catch identical repeats.
    var calls: [String] = []
    /// Paths given to successful calls of tools that only observe (read, list, search).
    var observedPaths: Set<String> = []
    /// Whether the model has once restated its calls and gone on to look at something new.
    var lookedFurtherAfterRestating = false
    /// Whether the model has seen at least one tool result.
    var hasObserved = false
    /// The last turn only repeated earlier calls (or said nothing): the next turn must answer.
    var lastTurnRepeated = false
    var completionTokens = 0
    /// The checks of ``TaskIntent`` that have sent an answer back.
    var sentBack: [String] = []
    /// Signatures of calls whose result was an error or a refusal.
    var failedCalls: [String] = []
    /// Whether a call that could change something has succeeded.
    var changedSomething = false
    /// Turns drawn again because they only repeated a failed call; the next turn is one.
    var redraws = 0
    var redrawNext = false
    /// Whether code has run successfully (``TaskIntent/codeTool``).
    var ranCode = false
    /// The tool the next turn must call, if one.
    var forcedTool: String?
    /// The next turn must call a tool.
    var mustAct = false
    /// The tools this run offers the model (``ToolSelection``); nil for runs saved before choosing.
    var offeredTools: [String]?
    /// Wall-clock seconds spent in earlier sessions of this run (before a resume).
    var elapsedSeconds = 0.0
    /// The values of the trace's task that this run must not reuse (MIXED, or a replay the model
    /// took over); nil when no trace was shown.
    var oldTaskValues: OldTaskValues?
    /// Programs the model was asked for (``ProgramTurn``), and whether the last one failed.
    var programs = 0
    var programFailed = false
    /// What each model turn was shown beside the saved conversation (``TurnOffer``), and the
    /// schemas of the tools offered or shown, each kept once: the run's context as the model read it.
    var turnOffers: [TurnOffer] = []
    var toolSchemas: [ToolDefinition] = []
    /// The code of every `python_execute` call that ran, for the definitions a later call uses.
    var codeCells: [String] = []

    init(messages: [ChatMessage]) {
        self.messages = messages
    }

    init(from decoder: any Decoder) throws {
        let saved = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try saved.decodeIfPresent(T.self, forKey: key) ?? fallback }
        messages = try saved.decode([ChatMessage].self, forKey: .messages)
        step = try value(.step, 0)
        calls = try value(.calls, [])
        observedPaths = try value(.observedPaths, [])
        lookedFurtherAfterRestating = try value(.lookedFurtherAfterRestating, false)
        hasObserved = try value(.hasObserved, false)
        lastTurnRepeated = try value(.lastTurnRepeated, false)
        completionTokens = try value(.completionTokens, 0)
        sentBack = try value(.sentBack, [])
        failedCalls = try value(.failedCalls, [])
        changedSomething = try value(.changedSomething, false)
        redraws = try value(.redraws, 0)
        redrawNext = try value(.redrawNext, false)
        ranCode = try value(.ranCode, false)
        forcedTool = try saved.decodeIfPresent(String.self, forKey: .forcedTool)
        mustAct = try value(.mustAct, false)
        offeredTools = try saved.decodeIfPresent([String].self, forKey: .offeredTools)
        elapsedSeconds = try value(.elapsedSeconds, 0)
        oldTaskValues = try saved.decodeIfPresent(OldTaskValues.self, forKey: .oldTaskValues)
        programs = try value(.programs, 0)
        programFailed = try value(.programFailed, false)
        turnOffers = try value(.turnOffers, [])
        toolSchemas = try value(.toolSchemas, [])
        codeCells = try value(.codeCells, [])
    }

    /// Notes what a turn's request shows the model: its tools (schemas kept once per name), the
    /// tool choice, and a message appended to the prompt that the conversation does not keep.
    mutating func noteOffer(_ request: GenerationRequest, appended: String? = nil, program: Bool = false) {
        for tool in request.tools where !toolSchemas.contains(where: { $0.name == tool.name }) {
            toolSchemas.append(tool)
        }
        let offer = TurnOffer(step: step, toolChoice: request.toolChoice.label, tools: request.tools.map(\.name), appended: appended,
                              program: program)
        turnOffers.removeAll { $0.step == step }
        turnOffers.append(offer)
    }
}

/// One model turn's view beyond the saved conversation.
struct TurnOffer: Codable, Sendable {
    var step: Int
    /// `auto`, `required`, `none` or `function:NAME`.
    var toolChoice: String
    var tools: [String]
    /// An instruction added to this turn's prompt only (an answer asked for in words).
    var appended: String?
    /// The turn asked for a program (``ProgramTurn``) rather than a call or an answer.
    var program = false
}

/// What a run guided by a trace of another task must not reuse (see `ReplayCheck`).
struct OldTaskValues: Codable, Sendable {
    /// The trace's task.
    var task: String
    /// Its values that this task lacks and that its run passed to tools.
    var guarded: [String]
    /// Words its run saw in its tool results (not in its task) and stated in its answer: stated
    /// again only if this run's results show them.
    var observed: [String]
}
