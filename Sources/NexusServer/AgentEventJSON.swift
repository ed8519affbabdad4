import NexusAgent
import NexusCore
import NexusStore
import NexusAPI

/// One event of a run as the events stream sends it: a sequence number (the SSE id, for
/// `Last-Event-ID`), a type (the SSE event name) and its data.
struct RecordedEvent: Sendable {
    var sequence: Int
    var type: String
    var data: JSONValue

    var serverSentEvent: ServerSentEvent {
        ServerSentEvent(json: data, id: String(sequence), event: type)
    }
}

/// The JSON forms of runs and their events.
enum AgentEventJSON {
    /// (type, data) of a live event.
    static func encode(_ event: AgentEvent) -> (String, JSONValue) {
        switch event {
        case .started(let runID, let task, let resumed):
            return ("started", ["run_id": .string(runID), "task": .string(task), "resumed": .bool(resumed)])
        case .dispatched(let mode, let confidence, let reason):
            return ("dispatched", ["mode": .string(mode.rawValue), "confidence": .number(confidence), "reason": .string(reason)])
        case .thinking(let step):
            return ("thinking", ["step": .number(Double(step))])
        case .toolCall(let step, let call, let usage):
            return ("tool_call", toolCall(step: step, id: call.id, tool: call.name, arguments: call.arguments,
                                          tokens: usage.map { ($0.promptTokens, $0.completionTokens) }))
        case .toolResult(let step, let call, let result, let seconds):
            return ("tool_result", toolResult(step: step, id: call.id, tool: call.name, status: result.status.rawValue,
                                              content: result.content, truncated: result.truncated, seconds: seconds))
        case .finished(let summary):
            return ("finished", summaryJSON(summary))
        }
    }

    /// A `tool_call` event's data, live or replayed (`id` nil when the store has none), with the
    /// tokens of the model turn that asked for it (on its first call; none for a call made without the model).
    private static func toolCall(step: Int, id: String?, tool: String, arguments: JSONValue, tokens: (prompt: Int, completion: Int)?) -> JSONValue {
        var data: JSONObject = ["step": .number(Double(step))]
        if let id { data["id"] = .string(id) }
        data["tool"] = .string(tool)
        data["arguments"] = arguments
        if let tokens {
            data["prompt_tokens"] = .number(Double(tokens.prompt))
            data["completion_tokens"] = .number(Double(tokens.completion))
        }
        return .object(data)
    }

    /// A `tool_result` event's data, live or replayed.
    private static func toolResult(step: Int, id: String?, tool: String, status: String, content: String,
                                   truncated: Bool, seconds: Double) -> JSONValue {
        var data: JSONObject = ["step": .number(Double(step))]
        if let id { data["id"] = .string(id) }
        data["tool"] = .string(tool)
        data["status"] = .string(status)
        data["content"] = .string(content)
        data["truncated"] = .bool(truncated)
        data["seconds"] = .number(seconds)
        return .object(data)
    }

    static func summaryJSON(_ summary: RunSummary) -> JSONValue {
        [
            "id": .string(summary.id), "status": .string(summary.status.rawValue), "outcome": .string(summary.outcome.rawValue),
            "outcome_source": .string(summary.outcomeSource.rawValue), "answer": .string(summary.answer),
            "steps": .array(summary.steps.map { ["tool": .string($0.tool), "arguments": $0.arguments, "status": .string($0.status)] }),
            "prompt_tokens": .number(Double(summary.promptTokens)), "completion_tokens": .number(Double(summary.completionTokens)),
            "seconds": .number(summary.seconds), "mode": .string(summary.mode.rawValue), "confidence": .number(summary.confidence),
        ]
    }

    /// A stored run, as `GET /v1/agent/runs/{id}` returns it.
    static func run(_ record: RunRecord, steps: [RunStep]?) -> JSONValue {
        var body: JSONObject = [
            "id": .string(record.id), "object": "agent.run", "task": .string(record.task), "model": .string(record.model),
            "status": .string(record.status.rawValue), "outcome": record.outcome.map { .string($0.rawValue) } ?? .null,
            "outcome_source": record.outcomeSource.map { .string($0.rawValue) } ?? .null,
            "answer": record.answer.map(JSONValue.string) ?? .null,
            "workspace": .string(record.workspace),
            "created_at": .string(WireTime.rfc3339(record.createdAt)), "updated_at": .string(WireTime.rfc3339(record.updatedAt)),
            "prompt_tokens": .number(Double(record.promptTokens)), "completion_tokens": .number(Double(record.completionTokens)),
            "mode": .string(record.mode.rawValue), "confidence": .number(record.confidence), "dispatch_reason": .string(record.dispatchReason),
            "error": record.failure.map(JSONValue.string) ?? .null,
        ]
        if let steps {
            body["steps"] = .array(steps.map { step in
                [
                    "step": .number(Double(step.index)), "tool": step.tool.map(JSONValue.string) ?? .null,
                    "arguments": step.arguments ?? .null, "status": .string(step.status),
                    "result_excerpt": step.resultExcerpt.map(JSONValue.string) ?? .null,
                    "result_sha256": step.resultDigest.map(JSONValue.string) ?? .null,
                    "prompt_tokens": .number(Double(step.promptTokens)), "completion_tokens": .number(Double(step.completionTokens)),
                    "seconds": .number(step.durationSeconds),
                ]
            })
        }
        return .object(body)
    }

    /// What the model saw: the run's conversation as last saved (system prompt with its recalled
    /// memories and trace guidance, the task, each turn and each tool result), each assistant turn
    /// marked with its step, the tools offered to the model with the schemas it was shown, what
    /// each turn showed, and the policy the run worked under. Saved after every step, so a
    /// live run shows its context up to the step it is on.
    static func context(of record: RunRecord) -> JSONValue {
        var step = 0
        let messages = (record.state["messages"]?.arrayValue ?? []).map { message -> JSONValue in
            let role = message["role"]?.stringValue ?? "unknown"
            if role == "assistant" { step += 1 }
            return [
                "role": .string(role), "content": .string(message["content"]?.stringValue ?? ""),
                "step": role == "assistant" ? .number(Double(step)) : .null,
                "tool_calls": .array((message["toolCalls"]?.arrayValue ?? []).map { call in
                    ["name": call["name"] ?? .null, "arguments": call["arguments"] ?? .null]
                }),
                "tool_name": message["toolName"] ?? .null,
            ]
        }
        // Each turn's tool choice, the tools it showed and any instruction added to its prompt
        // alone; the schemas as the model received them. Runs saved before these were kept have neither.
        let turns = (record.state["turnOffers"]?.arrayValue ?? []).map { offer -> JSONValue in
            ["step": offer["step"] ?? .null, "tool_choice": offer["toolChoice"] ?? .null,
             "tools": offer["tools"] ?? .array([]), "appended": offer["appended"] ?? .null,
             "program": offer["program"] ?? false]
        }
        return ["id": .string(record.id), "object": "agent.run.context", "messages": .array(messages),
                "offered_tools": record.state["offeredTools"] ?? .null, "tools": record.state["toolSchemas"] ?? .array([]),
                "turns": .array(turns), "policy": record.policy]
    }

    /// The events of a run that is not live in this server (it ran before a restart): rebuilt from the store.
    static func replay(_ record: RunRecord, steps: [RunStep]) -> [RecordedEvent] {
        var events: [(String, JSONValue)] = [
            ("started", ["run_id": .string(record.id), "task": .string(record.task), "resumed": false]),
            ("dispatched", ["mode": .string(record.mode.rawValue), "confidence": .number(record.confidence), "reason": .string(record.dispatchReason)]),
        ]
        for step in steps {
            guard let tool = step.tool else { continue }
            // The store keeps an excerpt of each result, not the call's id.
            let tokens = step.promptTokens + step.completionTokens > 0 ? (step.promptTokens, step.completionTokens) : nil
            events.append(("tool_call", toolCall(step: step.index, id: nil, tool: tool, arguments: step.arguments ?? [:], tokens: tokens)))
            events.append(("tool_result", toolResult(step: step.index, id: nil, tool: tool, status: step.status,
                                                     content: step.resultExcerpt ?? "", truncated: true, seconds: step.durationSeconds)))
        }
        // A run still marked running but not live here stopped with a crash: it has no end yet.
        if record.status != .running {
            events.append(("finished", run(record, steps: nil)))
        }
        return events.enumerated().map { RecordedEvent(sequence: $0 + 1, type: $1.0, data: $1.1) }
    }
}
