// Nexus's shim over llama.cpp's `common` library. Built by scripts/setup.sh against the cached
// llama.cpp build; Swift sees only the C declarations in Sources/CLlama/nexus_llama.h.
// Every entry point catches C++ exceptions and reports them through `error` instead.

#include "../../Sources/CLlama/nexus_llama.h"

#include "chat.h"
#include "common.h"
#include "json-schema-to-grammar.h"
#include "log.h"
#include "sampling.h"

#include "grammar_draft.h"

#include "llama-grammar.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

struct nx_templates {
    common_chat_templates_ptr templates;
    bool supports_tools = false;
};

struct nx_chat_prompt {
    common_chat_params params;
    common_chat_parser_params parser;
    // The tool-call grammar applies from the first generated token (tool_choice required).
    bool strict_tool_calls = false;
};

struct nx_sampler {
    common_sampler * sampler = nullptr;
    // Jump-forward's copy of the output grammar; null when there is none, it cannot be
    // mirrored, or it stopped following the output.
    std::unique_ptr<GrammarDraft> drafts;

    void advance_drafts(llama_token token) {
        if (drafts && !drafts->accept(token)) {
            drafts.reset();
        }
    }
};

static char * copy_string(const std::string & s) {
    char * out = static_cast<char *>(std::malloc(s.size() + 1));
    std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

static void set_error(char ** error, const std::string & message) {
    if (error) {
        *error = copy_string(message);
    }
}

extern "C" {

void nx_string_free(char * s) { std::free(s); }

static void quiet_log(enum ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR && std::getenv("NEXUS_LLAMA_LOG")) {
        std::fputs(text, stderr);
    }
}

void nx_log_quiet(bool quiet) {
    if (quiet) {
        llama_log_set(quiet_log, nullptr);
        common_log_set_verbosity_thold(-1);
        common_log_pause(common_log_main());
    } else {
        llama_log_set(nullptr, nullptr);
    }
}

nx_templates * nx_templates_init(const llama_model * model, const char * override_template, char ** error) {
    try {
        auto * t = new nx_templates();
        t->templates = common_chat_templates_init(model, override_template ? override_template : "");
        auto caps = common_chat_templates_get_caps(t->templates.get());
        auto it = caps.find("supports_tools");
        t->supports_tools = it != caps.end() && it->second;
        return t;
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return nullptr;
    }
}

void nx_templates_free(nx_templates * t) { delete t; }

bool nx_templates_support_tools(const nx_templates * t) { return t && t->supports_tools; }

// JSON forbids a raw line break inside a string, so llama.cpp's call grammar does too. A code
// model writing a program into a call's "code" argument wants a line break there, and with it
// barred takes the next best token, a space: its Python comes out on one line and does not run.
// The call grammar admits raw tabs and line feeds in strings; the caller escapes them in the
// parsed arguments, so what leaves Nexus is still valid JSON.
static void admit_raw_line_breaks_in_strings(std::string & grammar) {
    const std::string strict = "char ::= [^\"\\\\\\x7F\\x00-\\x1F]";
    const std::string lenient = "char ::= [^\"\\\\\\x7F\\x00-\\x08\\x0B-\\x1F]";
    for (size_t at = grammar.find(strict); at != std::string::npos; at = grammar.find(strict, at + lenient.size())) {
        grammar.replace(at, strict.size(), lenient);
    }
}

nx_chat_prompt * nx_chat_apply(const nx_templates * t, const char * request_json, char ** error) {
    try {
        const common_json request = common_json::parse(request_json);
        common_chat_templates_inputs inputs;
        inputs.messages = common_chat_msgs_parse_oaicompat(request.at("messages"));
        if (request.contains("tools") && !request.at("tools").empty()) {
            inputs.tools = common_chat_tools_parse_oaicompat(request.at("tools"));
        }
        inputs.tool_choice = common_chat_tool_choice_parse_oaicompat(request.value("tool_choice", std::string("auto")));
        inputs.parallel_tool_calls = request.value("parallel_tool_calls", false);
        if (request.contains("json_schema") && !request.at("json_schema").is_null()) {
            inputs.json_schema = request.at("json_schema").dump();
        }
        inputs.add_generation_prompt = request.value("add_generation_prompt", true);
        inputs.use_jinja = true;
        inputs.enable_thinking = request.value("enable_thinking", false);
        inputs.reasoning_format = COMMON_REASONING_FORMAT_NONE;

        auto * prompt = new nx_chat_prompt();
        prompt->params = common_chat_templates_apply(t->templates.get(), inputs);
        // llama.cpp's own "required" grammar still lets the model write any text before the
        // first call marker, and a small model may never write the marker. The lazy grammar of
        // "auto" starts at that marker, so applied from the first token it forces a call at once.
        if (inputs.tool_choice == COMMON_CHAT_TOOL_CHOICE_REQUIRED && !inputs.tools.empty()) {
            auto lazy_inputs = inputs;
            lazy_inputs.tool_choice = COMMON_CHAT_TOOL_CHOICE_AUTO;
            auto lazy = common_chat_templates_apply(t->templates.get(), lazy_inputs);
            if (!lazy.grammar.empty() && lazy.grammar_lazy) {
                lazy.grammar_lazy = false;
                lazy.grammar_triggers.clear();
                prompt->params = lazy;
                prompt->strict_tool_calls = true;
            }
        }
        if (!inputs.tools.empty() && inputs.json_schema.empty()) {
            admit_raw_line_breaks_in_strings(prompt->params.grammar);
        }
        prompt->parser = common_chat_parser_params(prompt->params);
        if (!prompt->params.parser.empty()) {
            prompt->parser.parser.load(prompt->params.parser);
        }
        prompt->parser.parse_tool_calls = !inputs.tools.empty();
        return prompt;
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return nullptr;
    }
}

void nx_chat_prompt_free(nx_chat_prompt * p) { delete p; }

const char * nx_chat_prompt_text(const nx_chat_prompt * p) { return p->params.prompt.c_str(); }

char * nx_chat_prompt_info(const nx_chat_prompt * p) {
    common_json stops = common_json::array();
    for (const auto & stop : p->params.additional_stops) {
        stops.push_back(stop);
    }
    common_json info = common_json::object();
    info["format"] = std::string(common_chat_format_name(p->params.format));
    info["grammar"] = p->params.grammar;
    info["grammar_lazy"] = p->params.grammar_lazy;
    info["additional_stops"] = stops;
    info["generation_prompt"] = p->params.generation_prompt;
    return copy_string(info.dump());
}

char * nx_chat_parse(const nx_chat_prompt * p, const char * text, bool partial, char ** error) {
    try {
        common_chat_msg msg = common_chat_parse(text, partial, p->parser);
        common_json calls = common_json::array();
        for (const auto & call : msg.tool_calls) {
            common_json item = common_json::object();
            item["name"] = call.name;
            item["arguments"] = call.arguments;
            item["id"] = call.id;
            calls.push_back(item);
        }
        common_json out = common_json::object();
        out["content"] = msg.content;
        out["reasoning_content"] = msg.reasoning_content;
        out["tool_calls"] = calls;
        return copy_string(out.dump());
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return nullptr;
    }
}

char * nx_json_schema_to_grammar(const char * schema_json, char ** error) {
    try {
        return copy_string(json_schema_to_grammar(common_json::parse(schema_json)));
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return nullptr;
    }
}

int nx_grammar_matches(const char * grammar, const char * text, char ** error) {
    llama_grammar * parsed = nullptr;
    try {
        parsed = llama_grammar_init_impl(nullptr, grammar, "root", false, nullptr, 0, nullptr, 0);
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return -1;
    }
    if (!parsed) {
        set_error(error, "the grammar does not parse");
        return -1;
    }
    int matched = 0;
    try {
        llama_grammar_accept_str(*parsed, text);
        for (const auto & stack : llama_grammar_get_stacks(parsed)) {
            if (stack.empty()) {
                matched = 1;
                break;
            }
        }
    } catch (const std::exception &) {
        matched = 0;
    }
    llama_grammar_free_impl(parsed);
    return matched;
}

// Mirrors how llama-server turns a rendered chat prompt into sampling parameters: trigger
// words that are single tokens become token triggers, and those tokens stay whole.
static void add_chat_grammar(common_params_sampling & sampling, const llama_vocab * vocab, const nx_chat_prompt & prompt) {
    const common_chat_params & chat = prompt.params;
    if (prompt.strict_tool_calls) {
        // The grammar begins at the call marker, not at the template's generation prompt.
        sampling.grammar = common_grammar(COMMON_GRAMMAR_TYPE_USER, chat.grammar);
    } else {
        sampling.grammar = common_grammar(COMMON_GRAMMAR_TYPE_TOOL_CALLS, chat.grammar);
        sampling.generation_prompt = chat.generation_prompt;
    }
    sampling.grammar_lazy = chat.grammar_lazy;
    for (const auto & word : chat.preserved_tokens) {
        auto ids = common_tokenize(vocab, word, false, true);
        if (ids.size() == 1) {
            sampling.preserved_tokens.insert(ids[0]);
        }
    }
    for (const auto & trigger : chat.grammar_triggers) {
        if (trigger.type == COMMON_GRAMMAR_TRIGGER_TYPE_WORD) {
            auto ids = common_tokenize(vocab, trigger.value, false, true);
            if (ids.size() == 1 && sampling.preserved_tokens.count(ids[0])) {
                common_grammar_trigger token_trigger;
                token_trigger.type = COMMON_GRAMMAR_TRIGGER_TYPE_TOKEN;
                token_trigger.value = trigger.value;
                token_trigger.token = ids[0];
                sampling.grammar_triggers.push_back(token_trigger);
                continue;
            }
        }
        sampling.grammar_triggers.push_back(trigger);
    }
}

nx_sampler * nx_sampler_init(const llama_model * model, const nx_sampling_params * params,
                             const nx_chat_prompt * prompt, const char * grammar, char ** error) {
    try {
        common_params_sampling sampling;
        sampling.seed = params->seed;
        sampling.temp = params->temperature;
        sampling.top_k = params->top_k;
        sampling.top_p = params->top_p;
        sampling.min_p = params->min_p;
        sampling.penalty_repeat = params->repeat_penalty;
        sampling.penalty_last_n = params->repeat_last_n;
        sampling.penalty_freq = params->frequency_penalty;
        sampling.penalty_present = params->presence_penalty;
        sampling.no_perf = true;
        const llama_vocab * vocab = llama_model_get_vocab(model);
        if (grammar && *grammar) {
            // A caller's grammar starts at the first generated token: nothing to prefill.
            sampling.grammar = common_grammar(COMMON_GRAMMAR_TYPE_USER, grammar);
        } else if (prompt && !prompt->params.grammar.empty()) {
            add_chat_grammar(sampling, vocab, *prompt);
        }
        common_sampler * sampler = common_sampler_init(model, sampling);
        if (!sampler) {
            set_error(error, "the grammar could not be parsed");
            return nullptr;
        }
        auto * s = new nx_sampler();
        s->sampler = sampler;
        s->drafts = GrammarDraft::make(vocab, sampling);
        return s;
    } catch (const std::exception & e) {
        set_error(error, e.what());
        return nullptr;
    }
}

void nx_sampler_free(nx_sampler * s) {
    if (s) {
        common_sampler_free(s->sampler);
        delete s;
    }
}

int32_t nx_sampler_sample(nx_sampler * s, llama_context * ctx, int32_t idx) {
    try {
        return common_sampler_sample(s->sampler, ctx, idx);
    } catch (const std::exception &) {
        return LLAMA_TOKEN_NULL;
    }
}

int32_t nx_sampler_sample_draft(nx_sampler * s, llama_context * ctx, const int32_t * idxs,
                                const int32_t * draft, int32_t n_draft, int32_t * out) {
    try {
        std::vector<int> outputs(idxs, idxs + n_draft + 1);
        llama_tokens proposed(draft, draft + n_draft);
        // Each token is sampled exactly as one-at-a-time decoding would (same logits, same
        // sampler state and random draws), so the output does not depend on the draft.
        const auto accepted = common_sampler_sample_and_accept_n(s->sampler, ctx, outputs, proposed, false);
        for (size_t i = 0; i < accepted.size(); ++i) {
            out[i] = accepted[i];
            s->advance_drafts(accepted[i]);
        }
        return static_cast<int32_t>(accepted.size());
    } catch (const std::exception &) {
        return -1;
    }
}

void nx_sampler_accept(nx_sampler * s, int32_t token, bool is_generated) {
    try {
        common_sampler_accept(s->sampler, token, is_generated);
    } catch (const std::exception &) {
    }
    if (is_generated) {
        s->advance_drafts(token);
    }
}

int32_t nx_sampler_forced_tokens(nx_sampler * s, int32_t * out, int32_t capacity) {
    if (!s->drafts || capacity <= 0) {
        return 0;
    }
    const auto tokens = s->drafts->draft(static_cast<size_t>(capacity));
    std::copy(tokens.begin(), tokens.end(), out);
    return static_cast<int32_t>(tokens.size());
}

}  // extern "C"
