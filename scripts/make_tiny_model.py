#!/usr/bin/env python3
"""Writes a tiny llama-architecture GGUF model that llama.cpp's llama-server can serve.

No model can be downloaded here, and a proxy does not need a clever one: it needs a real
server sending real streams. The weights are random except for one constant channel in the
embeddings that the output layer reads as a per-token bias, so the model prefers whole
words ("readable gibberish") and ends by itself now and then (its end-of-turn token has a
bias close to the words'). With temperature 0 it never stops, so `max_tokens` ends it with
finish_reason "length"; with a seed its output is repeatable.

Two variants make the upstream produce what a translator must carry, honestly:
- `tools`: a Hermes-style template (tools in a system block, calls inside `<tool_call>` tags)
  and a strong bias toward `<tool_call>`. llama-server recognises the format and constrains
  what follows with a grammar, so every reply is a real, well-formed tool call. Useless
  without tools in the request.
- `think`: a Qwen3-style template whose generation prompt opens `<think>` (closed at once when
  `enable_thinking` is false); the model thinks "hello world", emits `</think>` and answers,
  so llama-server returns `reasoning_content` and then content.

Usage: make_tiny_model.py OUTPUT.gguf [plain|tools|think]
"""
import sys

import numpy as np
import gguf

N_EMBD, N_HEAD, N_LAYER, N_FF, N_CTX = 64, 4, 2, 128, 2048
WORDS = (
    "the of and to in is it you that he was for on are as with his they at be this have from or one "
    "had by word but not what all were we when your can said there use an each which she do how their "
    "if will up other about out many then them these so some her would make like him into time has look "
    "two more write go see number no way could people my than first water been call who oil its now find "
    "long down day did get come made may part hello world switchyard proxy model stream token"
).split()

CONTENT = (
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- elif message['content'] -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}{%- endfor -%}{%- endif -%}"
)

CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}" + CONTENT + "{{ '<|im_end|>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)

TOOLS_TEMPLATE = (
    "{%- if tools -%}"
    "{{ '<|im_start|>system\n' }}"
    "{%- if messages[0]['role'] == 'system' -%}{{ messages[0]['content'] + '\n\n' }}{%- endif -%}"
    "{{ '# Tools\n\n<tools>\n' }}"
    "{%- for tool in tools -%}{{ tool | tojson }}{{ '\n' }}{%- endfor -%}"
    "{{ '</tools>\n\nCall a function with a JSON object inside <tool_call></tool_call> tags:\n'"
    " + '<tool_call>{\"name\": <function-name>, \"arguments\": <args-json-object>}</tool_call><|im_end|>\n' }}"
    "{%- endif -%}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' and tools and loop.first -%}"
    "{%- elif message['role'] == 'tool' -%}"
    "{{ '<|im_start|>user\n<tool_response>\n' + message['content'] + '\n</tool_response><|im_end|>\n' }}"
    "{%- else -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}" + CONTENT +
    "{%- if message['tool_calls'] -%}{%- for call in message['tool_calls'] -%}"
    "{%- set function = call['function'] if call['function'] is defined else call -%}"
    "{{ '<tool_call>{\"name\": \"' + function['name'] + '\", \"arguments\": ' }}"
    "{%- if function['arguments'] is string -%}{{ function['arguments'] }}"
    "{%- else -%}{{ function['arguments'] | tojson }}{%- endif -%}"
    "{{ '}</tool_call>' }}"
    "{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)

THINK_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}" + CONTENT + "{{ '<|im_end|>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false -%}{{ '<think></think>' }}"
    "{%- else -%}{{ '<think>' }}{%- endif -%}"
    "{%- endif -%}"
)


def vocabulary(variant):
    tokens, types, bias = [], [], []

    def add(text, kind, logit):
        tokens.append(text)
        types.append(kind)
        bias.append(logit)

    T = gguf.TokenType
    add("<unk>", T.UNKNOWN, -30)
    add("<s>", T.CONTROL, -30)
    add("</s>", T.CONTROL, -30)
    add("<|im_start|>", T.CONTROL, -30)
    # End of turn, the model's EOS: below the favourite words, so greedy decoding never
    # stops, but close enough that sampling at temperature 1 ends most replies in ~40 tokens.
    add("<|im_end|>", T.CONTROL, 4.6)
    for byte in range(256):
        add(f"<0x{byte:02X}>", T.BYTE, -30)
    for code in range(33, 127):
        add(chr(code), T.NORMAL, -4)
    add("\u2581", T.NORMAL, -4)  # SentencePiece's space
    for index, word in enumerate(WORDS):
        add("\u2581" + word, T.NORMAL, 5.0 if index < 12 else 4.0)
    if variant == "plain":  # unchanged since the fixtures were recorded
        return tokens, types, np.array(bias, dtype=np.float32)
    add("<tool_call>", T.USER_DEFINED, 12.0 if variant == "tools" else -30)
    # Above single characters, so the grammar closes a call with this one token.
    add("</tool_call>", T.USER_DEFINED, 0.0)
    add("<think>", T.USER_DEFINED, -30)
    add("</think>", T.USER_DEFINED, -30)
    return tokens, types, np.array(bias, dtype=np.float32)


TEMPLATES = {"plain": CHAT_TEMPLATE, "tools": TOOLS_TEMPLATE, "think": THINK_TEMPLATE}

FOLLOWERS = {
    "plain": [],
    # One call, then end of turn (the grammar would let the model call again and again).
    "tools": [("</tool_call>", "<|im_end|>")],
    # "<think>" opens the reply: think "hello world", close, answer from "switchyard" on.
    "think": [("<think>", "\u2581hello"), ("\u2581hello", "\u2581world"), ("\u2581world", "</think>"),
              ("</think>", "\u2581switchyard")],
}


def main(path, variant="plain"):
    rng = np.random.default_rng(1234)
    tokens, types, bias = vocabulary(variant)
    n_vocab = len(tokens)

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name("switchyard-tiny")
    writer.add_basename("switchyard-tiny")
    writer.add_context_length(N_CTX)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores([0.0] * 5 + [0.0] * 256 + [-1.0] * (n_vocab - 261))
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(4)
    writer.add_eot_token_id(4)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(False)
    # Without this, grammar-constrained requests (tools, response_format) fail to start.
    writer.add_add_space_prefix(False)
    writer.add_chat_template(TEMPLATES[variant])

    def small(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    # Channel 0 of every embedding is a large constant; after RMS norm it dominates the
    # residual stream, so the output layer's column 0 acts as a bias over the vocabulary.
    embeddings = small(n_vocab, N_EMBD)
    embeddings[:, 0] = 1.0
    output = (rng.standard_normal((n_vocab, N_EMBD)) * 0.1).astype(np.float32)
    output[:, 0] = bias / np.sqrt(N_EMBD)
    # Successor rules: the residual stream is mostly the current token's embedding, so a
    # channel set only in one token's embedding and read by the output layer for another
    # makes that other token follow it (a bigram), whatever the biases say.
    for channel, (current, following) in enumerate(FOLLOWERS[variant], start=1):
        embeddings[tokens.index(current), channel] = 1.0
        output[tokens.index(following), channel] = 5.0

    writer.add_tensor("token_embd.weight", embeddings)
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(prefix + name + ".weight", small(N_EMBD, N_EMBD))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", small(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_up.weight", small(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_down.weight", small(N_EMBD, N_FF))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in TEMPLATES):
        sys.exit(__doc__)
    main(*sys.argv[1:])
