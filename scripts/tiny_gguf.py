#!/usr/bin/env python3
"""Writes a small Llama-architecture GGUF with random weights, for checks that need a model file
but cannot carry a real one (scripts/gpu-check.sh on a machine without network). Its output is
noise; its shapes are a real model's, so llama.cpp loads it and does the same work per token.

    tiny_gguf.py OUT.gguf [--embedding 512] [--layers 4] [--vocab 8192] [--seed 7]

Weights are Q8_0 (norms F32). The vocabulary is SentencePiece-shaped: <unk>, <s>, </s>, the 256
byte tokens, then filler pieces, so any text tokenizes (byte fallback).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

try:
    import gguf
    from gguf import quants
except ImportError:
    sys.exit("tiny_gguf: the gguf package is missing; run it with scripts/gpu_bundle.sh, which installs it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--embedding", type=int, default=512)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.embedding % args.heads or args.embedding % 32:
        sys.exit("tiny_gguf: --embedding must be a multiple of --heads and of 32 (Q8_0 blocks)")
    feed_forward = (args.embedding * 8 // 3 + 31) // 32 * 32
    random = np.random.default_rng(args.seed)

    writer = gguf.GGUFWriter(args.out, "llama")
    writer.add_name("nexus-tiny-random")
    writer.add_context_length(args.context)
    writer.add_embedding_length(args.embedding)
    writer.add_block_count(args.layers)
    writer.add_feed_forward_length(feed_forward)
    writer.add_head_count(args.heads)
    writer.add_head_count_kv(args.heads)
    writer.add_rope_dimension_count(args.embedding // args.heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)

    tokens = [b"<unk>", b"<s>", b"</s>"] + [f"<0x{byte:02X}>".encode() for byte in range(256)]
    tokens += [f"\u2581p{index}".encode() for index in range(args.vocab - len(tokens))]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
    types += [gguf.TokenType.NORMAL] * (args.vocab - len(types))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([-float(index) for index in range(args.vocab)])
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)

    def weight(name: str, rows: int, columns: int) -> None:
        values = random.normal(0, 0.02, size=(rows, columns)).astype(np.float32)
        writer.add_tensor(name, quants.quantize(values, gguf.GGMLQuantizationType.Q8_0),
                          raw_shape=(rows, columns * 34 // 32), raw_dtype=gguf.GGMLQuantizationType.Q8_0)

    def norm(name: str) -> None:
        writer.add_tensor(name, np.ones(args.embedding, dtype=np.float32))

    size, hidden = args.embedding, feed_forward
    weight("token_embd.weight", args.vocab, size)
    for layer in range(args.layers):
        prefix = f"blk.{layer}"
        norm(f"{prefix}.attn_norm.weight")
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            weight(f"{prefix}.{part}.weight", size, size)
        norm(f"{prefix}.ffn_norm.weight")
        weight(f"{prefix}.ffn_gate.weight", hidden, size)
        weight(f"{prefix}.ffn_up.weight", hidden, size)
        weight(f"{prefix}.ffn_down.weight", size, hidden)
    norm("output_norm.weight")
    weight("output.weight", args.vocab, size)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
