// Jump-forward drafts (grammar_draft.h). Built into Nexus's llama.cpp shim by scripts/setup.sh.

#include "grammar_draft.h"

#include "common.h"

#include <algorithm>
#include <optional>
#include <string>

// The one character every live parse admits next, if there is one: each stack waits on the same
// single character (not a set, a range or a token), and none may end the output here.
static bool forced_code_point(const llama_grammar_stacks & stacks, uint32_t & chr) {
    bool found = false;
    for (const auto & stack : stacks) {
        if (stack.empty()) {
            return false;
        }
        const llama_grammar_element * pos = stack.back();
        if (pos->type != LLAMA_GRETYPE_CHAR || pos[1].type == LLAMA_GRETYPE_CHAR_ALT
            || pos[1].type == LLAMA_GRETYPE_CHAR_RNG_UPPER) {
            return false;
        }
        if (found && pos->value != chr) {
            return false;
        }
        chr = pos->value;
        found = true;
    }
    return found;
}

// A choice among a few listed characters (optional whitespace, the first letters of an enum's
// words), where what the model chose before is a useful guess. Free text is not one: the inside
// of a string (a negated class), a number (a range), any character, a token.
static bool small_choice(const llama_grammar_stacks & stacks) {
    for (const auto & stack : stacks) {
        if (stack.empty() || stack.back()->type != LLAMA_GRETYPE_CHAR) {
            return false;
        }
        const llama_grammar_element * pos = stack.back() + 1;
        while (pos->type == LLAMA_GRETYPE_CHAR_ALT) {
            ++pos;
        }
        if (pos->type == LLAMA_GRETYPE_CHAR_RNG_UPPER) {
            return false;
        }
    }
    return !stacks.empty();
}

static bool is_space(uint32_t chr) { return chr == ' ' || chr == '\t' || chr == '\n' || chr == '\r'; }

// Whether a guess at a small choice is one of layout: whitespace, or the one other character the
// choice admits besides whitespace. Which of two words or closing marks comes next is the model's
// content, and a guess there is wrong whenever it changes its mind (the end of a list).
static bool layout_guess(const llama_grammar_stacks & stacks, uint32_t guess) {
    if (is_space(guess)) {
        return true;
    }
    for (const auto & stack : stacks) {
        const llama_grammar_element * pos = stack.back();
        do {
            if (!is_space(pos->value) && pos->value != guess) {
                return false;
            }
            ++pos;
        } while (pos->type == LLAMA_GRETYPE_CHAR_ALT);
    }
    return true;
}

static void append_utf8(std::string & text, uint32_t chr) {
    if (chr < 0x80) {
        text += static_cast<char>(chr);
    } else if (chr < 0x800) {
        text += static_cast<char>(0xC0 | (chr >> 6));
        text += static_cast<char>(0x80 | (chr & 0x3F));
    } else if (chr < 0x10000) {
        text += static_cast<char>(0xE0 | (chr >> 12));
        text += static_cast<char>(0x80 | ((chr >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (chr & 0x3F));
    } else {
        text += static_cast<char>(0xF0 | (chr >> 18));
        text += static_cast<char>(0x80 | ((chr >> 12) & 0x3F));
        text += static_cast<char>(0x80 | ((chr >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (chr & 0x3F));
    }
}

// Decodes complete UTF-8 text into code points; false for a partial or invalid sequence.
static bool code_points(const std::string & text, std::vector<uint32_t> & out) {
    for (size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        uint32_t chr = length == 1 ? byte : byte & (0xFF >> (length + 1));
        for (size_t k = 1; k < length; ++k) {
            chr = (chr << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        }
        out.push_back(chr);
        i += length;
    }
    return true;
}

static void note_char(uint32_t & last_char, uint32_t & last_run, uint32_t chr) {
    last_run = chr == last_char ? last_run + 1 : 1;
    last_char = chr;
}

std::unique_ptr<GrammarDraft> GrammarDraft::make(const llama_vocab * vocab, const common_params_sampling & sampling) {
    const std::string & text = common_grammar_value(sampling.grammar);
    if (text.empty() || text.rfind("%llguidance", 0) == 0) {
        return nullptr;
    }
    llama_grammar * grammar = nullptr;
    if (!sampling.grammar_lazy) {
        if (common_grammar_needs_prefill(sampling.grammar) && !sampling.generation_prompt.empty()) {
            return nullptr;
        }
        grammar = llama_grammar_init_impl(vocab, text.c_str(), "root", false, nullptr, 0, nullptr, 0);
    } else {
        // The triggers as common_sampler_init turns them into llama.cpp's patterns and tokens.
        std::vector<std::string> patterns;
        std::vector<llama_token> tokens;
        for (const auto & trigger : sampling.grammar_triggers) {
            switch (trigger.type) {
                case COMMON_GRAMMAR_TRIGGER_TYPE_WORD:
                    patterns.push_back(regex_escape(trigger.value));
                    break;
                case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN:
                    patterns.push_back(trigger.value);
                    break;
                case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN_FULL: {
                    const std::string & pattern = trigger.value;
                    std::string anchored = "^$";
                    if (!pattern.empty()) {
                        anchored = (pattern.front() != '^' ? "^" : "") + pattern + (pattern.back() != '$' ? "$" : "");
                    }
                    patterns.push_back(anchored);
                    break;
                }
                case COMMON_GRAMMAR_TRIGGER_TYPE_TOKEN:
                    tokens.push_back(trigger.token);
                    break;
                default:
                    return nullptr;
            }
        }
        std::vector<const char *> pattern_strings;
        for (const auto & pattern : patterns) {
            pattern_strings.push_back(pattern.c_str());
        }
        grammar = llama_grammar_init_impl(vocab, text.c_str(), "root", true, pattern_strings.data(),
                                          pattern_strings.size(), tokens.data(), tokens.size());
    }
    return grammar ? std::make_unique<GrammarDraft>(vocab, grammar) : nullptr;
}

GrammarDraft::~GrammarDraft() { llama_grammar_free_impl(grammar); }

// What identifies a choice: the characters each live parse admits next (the same choice recurs
// at other places of a grammar: the space after every key), how deep the parse is (an object
// nested in a list is indented further than the list), the character before it and how many
// times in a row that came (an indent's fourth space is followed by something else than its first).
GrammarDraft::Key GrammarDraft::choice_key(uint32_t before, uint32_t run) const {
    std::vector<std::vector<uint32_t>> options;
    size_t depth = SIZE_MAX;
    for (const auto & stack : grammar->stacks) {
        depth = std::min(depth, stack.size());
        std::vector<uint32_t> admitted;
        const llama_grammar_element * pos = stack.back();
        do {
            admitted.push_back(pos->value);
            ++pos;
        } while (pos->type == LLAMA_GRETYPE_CHAR_ALT);
        options.push_back(std::move(admitted));
    }
    std::sort(options.begin(), options.end());
    options.erase(std::unique(options.begin(), options.end()), options.end());
    Key key = {static_cast<uint32_t>(depth), before, std::min(run, 16u)};
    for (const auto & admitted : options) {
        key.push_back(UINT32_MAX);
        key.insert(key.end(), admitted.begin(), admitted.end());
    }
    return key;
}

bool GrammarDraft::accept(llama_token token) {
    // llama.cpp aborts on an end-of-generation token its grammar does not allow; the output
    // ends with one anyway, so the copy stops here instead of being fed it.
    if (llama_vocab_is_eog(vocab, token)) {
        return false;
    }
    try {
        const bool constrained = !grammar->awaiting_trigger && grammar->partial_utf8.n_remain == 0;
        llama_grammar_stacks before;
        if (constrained) {
            before = grammar->stacks;
        }
        llama_grammar_accept_impl(*grammar, token);
        if (constrained && !grammar->awaiting_trigger) {
            learn(before, token);
        } else {
            last_char = last_run = 0;
        }
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

// Replays a token the model wrote one character at a time from the parse before it, noting what
// it chose at each small choice on the way.
void GrammarDraft::learn(const llama_grammar_stacks & before, llama_token token) {
    char buffer[256];
    const int32_t length = llama_token_to_piece(vocab, token, buffer, sizeof(buffer), 0, true);
    std::vector<uint32_t> chars;
    if (length <= 0 || !code_points(std::string(buffer, length), chars)) {
        last_char = last_run = 0;
        return;
    }
    llama_grammar_stacks after = std::move(grammar->stacks);
    grammar->stacks = before;
    uint32_t forced = 0;
    for (const uint32_t chr : chars) {
        if (grammar->stacks.empty()) {
            break;
        }
        if (small_choice(grammar->stacks) && !forced_code_point(grammar->stacks, forced)) {
            choices[choice_key(last_char, last_run)] = chr;
        }
        note_char(last_char, last_run, chr);
        llama_grammar_accept(grammar, chr);
    }
    grammar->stacks = std::move(after);
}

std::vector<llama_token> GrammarDraft::draft(size_t capacity) {
    if (capacity == 0 || grammar->awaiting_trigger || grammar->partial_utf8.n_remain != 0) {
        return {};
    }
    // Walks the grammar one character at a time on its live stacks, then puts them back. Most
    // steps (inside a string or a number) draft nothing, and copy nothing.
    std::optional<llama_grammar_stacks> saved;
    uint32_t before = last_char;
    uint32_t run = last_run;
    std::string text;
    try {
        uint32_t chr = 0;
        while (text.size() < 256 && !grammar->stacks.empty()) {
            if (!forced_code_point(grammar->stacks, chr)) {
                if (!small_choice(grammar->stacks)) {
                    break;
                }
                const auto guess = choices.find(choice_key(before, run));
                if (guess == choices.end() || !layout_guess(grammar->stacks, guess->second)) {
                    break;
                }
                chr = guess->second;
            }
            append_utf8(text, chr);
            note_char(before, run, chr);
            if (!saved) {
                saved = grammar->stacks;
            }
            llama_grammar_accept(grammar, chr);
        }
    } catch (const std::exception &) {
        text.clear();
    }
    if (saved) {
        grammar->stacks = std::move(*saved);
    }
    if (text.empty()) {
        return {};
    }
    auto tokens = common_tokenize(vocab, text, false, true);
    // The text's last token is left out: the model tends to write it merged with the character
    // after it (`"` and `:` as one `":`), which would be rejected.
    tokens.pop_back();
    if (tokens.size() > capacity) {
        tokens.resize(capacity);
    }
    return tokens;
}
