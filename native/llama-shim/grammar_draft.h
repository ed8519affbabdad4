// Jump-forward drafts: the text an output grammar forces next, read from a copy of the grammar
// that follows the generated tokens. The engine checks a draft in one batched decode and keeps
// what the model would have written anyway, so a draft only ever saves time.
#ifndef NEXUS_GRAMMAR_DRAFT_H
#define NEXUS_GRAMMAR_DRAFT_H

#include "sampling.h"

#include "llama-grammar.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

class GrammarDraft {
public:
    // A draft source mirroring the grammar `sampling` gives llama.cpp's sampler, built the same
    // way (a lazy grammar with the same triggers); null when there is none or it cannot be
    // mirrored (llguidance, or a grammar prefilled with the template's generation prompt).
    static std::unique_ptr<GrammarDraft> make(const llama_vocab * vocab, const common_params_sampling & sampling);

    GrammarDraft(const llama_vocab * vocab, llama_grammar * grammar) : vocab(vocab), grammar(grammar) {}
    ~GrammarDraft();
    GrammarDraft(const GrammarDraft &) = delete;
    GrammarDraft & operator=(const GrammarDraft &) = delete;

    // Feeds a generated token, as the sampler's grammar is fed. Returns false when the copy can
    // no longer follow (an end-of-generation token, a token it rejects): drop it then.
    bool accept(llama_token token);

    // Up to `capacity` tokens of the text that comes next: what the grammar forces, and at a choice
    // of layout the model met before (the space after a key, an indent), what it chose then.
    std::vector<llama_token> draft(size_t capacity);

private:
    using Key = std::vector<uint32_t>;

    Key choice_key(uint32_t before, uint32_t run) const;
    void learn(const llama_grammar_stacks & before, llama_token token);

    const llama_vocab * vocab;
    llama_grammar * grammar;
    // What the model wrote the last time it met each small choice.
    std::map<Key, uint32_t> choices;
    // The last character of the constrained output and how many times in a row it came.
    uint32_t last_char = 0;
    uint32_t last_run = 0;
};

#endif
