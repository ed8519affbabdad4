// C interface of Nexus over llama.cpp: llama.h itself plus a small shim over llama.cpp's
// `common` library (chat templates, tool-call parsing, JSON-schema grammars, sampling).
// The shim speaks JSON strings so this boundary stays tiny and stable.
#ifndef NEXUS_LLAMA_H
#define NEXUS_LLAMA_H

// `make setup` links .deps/llama to the cached llama.cpp install; the relative path keeps
// this header usable without extra include flags.
#include "../../.deps/llama/include/llama.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Chat templates read from a model's metadata (or an override template).
typedef struct nx_templates nx_templates;
/// A rendered chat prompt: the prompt text plus its grammar, triggers and output parser.
typedef struct nx_chat_prompt nx_chat_prompt;
/// A sampler chain with an optional grammar.
typedef struct nx_sampler nx_sampler;

typedef struct nx_sampling_params {
    uint32_t seed;
    float temperature;
    int32_t top_k;
    float top_p;
    float min_p;
    float repeat_penalty;
    int32_t repeat_last_n;
    float frequency_penalty;
    float presence_penalty;
} nx_sampling_params;

/// Frees a string returned by any nx_ function.
void nx_string_free(char * s);

/// Silences llama.cpp's own logging (errors still reach the caller through return values).
void nx_log_quiet(bool quiet);

nx_templates * nx_templates_init(const struct llama_model * model, const char * override_template, char ** error);
void nx_templates_free(nx_templates * t);
/// Whether the model's own template knows how to present tools.
bool nx_templates_support_tools(const nx_templates * t);

/// Renders an OpenAI-style request {"messages", "tools", "tool_choice", "parallel_tool_calls",
/// "json_schema", "add_generation_prompt"} with the model's template.
nx_chat_prompt * nx_chat_apply(const nx_templates * t, const char * request_json, char ** error);
void nx_chat_prompt_free(nx_chat_prompt * p);
/// The rendered prompt text (owned by the prompt).
const char * nx_chat_prompt_text(const nx_chat_prompt * p);
/// {"format", "grammar", "grammar_lazy", "additional_stops"} as JSON (caller frees).
char * nx_chat_prompt_info(const nx_chat_prompt * p);
/// Parses generated text into {"content", "reasoning_content", "tool_calls": [{"name", "arguments", "id"}]}.
char * nx_chat_parse(const nx_chat_prompt * p, const char * text, bool partial, char ** error);

/// Converts a JSON Schema to a GBNF grammar.
char * nx_json_schema_to_grammar(const char * schema_json, char ** error);

/// Whether `text` is a complete sentence of the GBNF `grammar` (checks grammars and outputs).
/// Returns 1 for a match, 0 for none, -1 if the grammar does not parse (see `error`).
int nx_grammar_matches(const char * grammar, const char * text, char ** error);

/// A sampler for one generation. `prompt` may be NULL (no chat grammar); `grammar` (GBNF) may be NULL.
nx_sampler * nx_sampler_init(const struct llama_model * model, const nx_sampling_params * params,
                             const nx_chat_prompt * prompt, const char * grammar, char ** error);
void nx_sampler_free(nx_sampler * s);
/// Samples from the logits of output `idx` of the last decode; the token is not yet accepted.
int32_t nx_sampler_sample(nx_sampler * s, struct llama_context * ctx, int32_t idx);
/// Records a token (prompt history or a generated token).
void nx_sampler_accept(nx_sampler * s, int32_t token, bool is_generated);
/// Checks a draft against the last decode: samples at output `idxs[i]` (the logits after the
/// i-th token fed: the pending token, then `draft[0..n_draft-1]`) and accepts each sampled token,
/// stopping after the first that differs from the draft. Writes the accepted tokens to `out`
/// (room for `n_draft + 1`) and returns their count (at least 1), or -1 when sampling failed
/// (no token satisfies the grammar).
int32_t nx_sampler_sample_draft(nx_sampler * s, struct llama_context * ctx, const int32_t * idxs,
                                const int32_t * draft, int32_t n_draft, int32_t * out);

/// Jump-forward: the tokens of the text that comes next under the output grammar, after the
/// tokens accepted so far: what the grammar forces, and at a small choice the model met before in
/// this output (the space after a key), what it chose then. Up to `capacity` tokens are written
/// to `out`; returns their count, 0 when the grammar leaves a choice it cannot guess, is lazy and
/// not yet triggered, or cannot be read (none, or one prefilled with the generation prompt). A
/// draft is a guess the engine checks like any other: each token is sampled as it would have been.
int32_t nx_sampler_forced_tokens(nx_sampler * s, int32_t * out, int32_t capacity);

#ifdef __cplusplus
}
#endif

#endif
