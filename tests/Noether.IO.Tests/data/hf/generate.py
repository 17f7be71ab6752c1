#!/usr/bin/python3
"""Tiny random Hugging Face checkpoints with golden logits, for the tests of Noether's HF loader.

There is no `transformers` package here, so each family's forward pass is written out in plain PyTorch below,
following Hugging Face's modeling code (modeling_llama.py, modeling_mistral.py, modeling_qwen2.py, modeling_gpt2.py):
RMSNorm x·rsqrt(mean x² + ε)·w, rotate_half rotary embeddings with the llama3 / linear frequency scalings, grouped-query
attention (repeat_kv), causal softmax attention scaled by 1/√head_dim, SwiGLU MLP, GPT-2's Conv1D ([in, out]) layers
with gelu_new, tied lm_head = embedding.

Run once (Debian: apt-get install python3-torch) and commit what it writes; the tests never need torch. Seeded, so a
re-run on the same torch version writes the same files. For each checkpoint NAME it writes NAME/ with config.json and
model.safetensors (or model-0000K-of-0000N.safetensors + model.safetensors.index.json), plus
  NAME/input_ids.npy      int64 token ids [2, 8]
  NAME/logits.npy         float64 logits [2, 8, vocab]: the reference forward in float64 from the stored weights
  NAME/logits_bf16.npy    (bfloat16 checkpoints) the same forward run in bfloat16 arithmetic, as people run it

Usage: /usr/bin/python3 generate.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEQ = 8


# ---------------------------------------------------------------- safetensors writing (no safetensors package here)

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors):
    """tensors: list of (name, tensor); written in the order given, as the reference writer would align them."""
    header, data, offset = {}, [], 0
    for name, t in tensors:
        b = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        data.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in data:
            f.write(b)


def save_checkpoint(folder, config, state, dtype, shards):
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        if f.endswith(".safetensors") or f.endswith(".json") or f.endswith(".npy"):
            os.remove(os.path.join(folder, f))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    items = [(k, v.to(dtype)) for k, v in state.items()]
    if shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), items)
        return
    per = math.ceil(len(items) / shards)
    weight_map, total = {}, 0
    for s in range(shards):
        name = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = items[s * per:(s + 1) * per]
        write_safetensors(os.path.join(folder, name), part)
        for k, v in part:
            weight_map[k] = name
            total += v.numel() * v.element_size()
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)


# ---------------------------------------------------------------- the Llama family (Llama, Mistral, Qwen2)

def rope_inv_freq(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = cfg.get("rope_scaling")
    if scaling is None:
        return inv, 1.0
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv / scaling["factor"], 1.0
    if kind == "llama3":  # transformers.modeling_rope_utils._compute_llama3_parameters
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, llama), 1.0
    raise ValueError(kind)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rms_norm(x, w, eps):
    # HF LlamaRMSNorm: computed in float32 (here: the working dtype), weight * normalised.to(input dtype)
    xf = x.float() if x.dtype == torch.bfloat16 else x
    y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * y.to(x.dtype)


def llama_forward(cfg, p, ids, dtype):
    """LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM forward (no cache, no padding mask)."""
    P = {k: v.to(dtype) for k, v in p.items()}
    d, H = cfg["hidden_size"], cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    hd = d // H
    eps = cfg["rms_norm_eps"]
    n, s = ids.shape
    x = P["model.embed_tokens.weight"][ids]
    inv, _ = rope_inv_freq(cfg, hd)
    pos = torch.arange(s, dtype=torch.float64)
    freqs = torch.outer(pos, inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(dtype), emb.sin().to(dtype)
    mask = torch.full((s, s), float("-inf"), dtype=dtype).triu(1)

    def lin(v, name, bias):
        y = v @ P[name + ".weight"].T
        return y + P[name + ".bias"] if bias else y

    qkv_bias = cfg.get("attention_bias", False) or cfg["architectures"][0] == "Qwen2ForCausalLM"
    o_bias = cfg.get("attention_bias", False) and cfg["architectures"][0] != "Qwen2ForCausalLM"
    mlp_bias = cfg.get("mlp_bias", False)
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}"
        h = rms_norm(x, P[f"{pre}.input_layernorm.weight"], eps)
        q = lin(h, f"{pre}.self_attn.q_proj", qkv_bias).view(n, s, H, hd).transpose(1, 2)
        k = lin(h, f"{pre}.self_attn.k_proj", qkv_bias).view(n, s, KV, hd).transpose(1, 2)
        v = lin(h, f"{pre}.self_attn.v_proj", qkv_bias).view(n, s, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k[:, :, None].expand(n, KV, H // KV, s, hd).reshape(n, H, s, hd)  # repeat_kv
        v = v[:, :, None].expand(n, KV, H // KV, s, hd).reshape(n, H, s, hd)
        w = q @ k.transpose(2, 3) / math.sqrt(hd) + mask
        w = torch.softmax(w.float() if dtype == torch.bfloat16 else w, dim=-1).to(dtype)
        a = (w @ v).transpose(1, 2).reshape(n, s, d)
        x = x + lin(a, f"{pre}.self_attn.o_proj", o_bias)
        h = rms_norm(x, P[f"{pre}.post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(lin(h, f"{pre}.mlp.gate_proj", mlp_bias)) * lin(h, f"{pre}.mlp.up_proj", mlp_bias)
        x = x + lin(g, f"{pre}.mlp.down_proj", mlp_bias)
    x = rms_norm(x, P["model.norm.weight"], eps)
    head = P["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", True) else P["lm_head.weight"]
    return x @ head.T


def llama_state(cfg, g):
    d, H = cfg["hidden_size"], cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    hd, f, V = d // H, cfg["intermediate_size"], cfg["vocab_size"]
    arch = cfg["architectures"][0]
    qkv_bias = cfg.get("attention_bias", False) or arch == "Qwen2ForCausalLM"
    o_bias = cfg.get("attention_bias", False) and arch != "Qwen2ForCausalLM"
    mlp_bias = cfg.get("mlp_bias", False)

    def r(*shape, scale=0.2):
        return torch.randn(*shape, generator=g, dtype=torch.float32) * scale

    st = {"model.embed_tokens.weight": r(V, d, scale=1.0)}
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}"
        st[f"{pre}.input_layernorm.weight"] = 1 + r(d, scale=0.1)
        for name, rows, bias in [("q_proj", H * hd, qkv_bias), ("k_proj", KV * hd, qkv_bias), ("v_proj", KV * hd, qkv_bias)]:
            st[f"{pre}.self_attn.{name}.weight"] = r(rows, d)
            if bias:
                st[f"{pre}.self_attn.{name}.bias"] = r(rows, scale=0.1)
        st[f"{pre}.self_attn.o_proj.weight"] = r(d, H * hd)
        if o_bias:
            st[f"{pre}.self_attn.o_proj.bias"] = r(d, scale=0.1)
        st[f"{pre}.post_attention_layernorm.weight"] = 1 + r(d, scale=0.1)
        for name, shape in [("gate_proj", (f, d)), ("up_proj", (f, d)), ("down_proj", (d, f))]:
            st[f"{pre}.mlp.{name}.weight"] = r(*shape)
            if mlp_bias:
                st[f"{pre}.mlp.{name}.bias"] = r(shape[0], scale=0.1)
    st["model.norm.weight"] = 1 + r(d, scale=0.1)
    if not cfg.get("tie_word_embeddings", True):
        st["lm_head.weight"] = r(V, d)
    return st


# ---------------------------------------------------------------- GPT-2

def gpt2_forward(cfg, p, ids, dtype, prefix):
    P = {k: v.to(dtype) for k, v in p.items()}
    d, H = cfg["n_embd"], cfg["n_head"]
    hd = d // H
    eps = cfg["layer_norm_epsilon"]
    n, s = ids.shape
    ln = lambda v, name: torch.nn.functional.layer_norm(v, (d,), P[name + ".weight"], P[name + ".bias"], eps)
    conv1d = lambda v, name: v @ P[name + ".weight"] + P[name + ".bias"]  # Conv1D: weight [in, out]
    x = P[prefix + "wte.weight"][ids] + P[prefix + "wpe.weight"][:s]
    mask = torch.full((s, s), float("-inf"), dtype=dtype).triu(1)
    for i in range(cfg["n_layer"]):
        pre = f"{prefix}h.{i}"
        qkv = conv1d(ln(x, f"{pre}.ln_1"), f"{pre}.attn.c_attn")
        q, k, v = (t.view(n, s, H, hd).transpose(1, 2) for t in qkv.split(d, dim=2))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1)
        a = (w @ v).transpose(1, 2).reshape(n, s, d)
        x = x + conv1d(a, f"{pre}.attn.c_proj")
        h = conv1d(ln(x, f"{pre}.ln_2"), f"{pre}.mlp.c_fc")
        h = 0.5 * h * (1 + torch.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h.pow(3))))  # gelu_new
        x = x + conv1d(h, f"{pre}.mlp.c_proj")
    x = ln(x, prefix + "ln_f")
    return x @ P[prefix + "wte.weight"].T


def gpt2_state(cfg, g, prefix, buffers):
    d, V, L, npos = cfg["n_embd"], cfg["vocab_size"], cfg["n_layer"], cfg["n_positions"]
    r = lambda *shape, scale=0.2: torch.randn(*shape, generator=g, dtype=torch.float32) * scale
    st = {prefix + "wte.weight": r(V, d, scale=1.0), prefix + "wpe.weight": r(npos, d, scale=0.5)}
    for i in range(L):
        pre = f"{prefix}h.{i}"
        st[f"{pre}.ln_1.weight"], st[f"{pre}.ln_1.bias"] = 1 + r(d, scale=0.1), r(d, scale=0.1)
        st[f"{pre}.attn.c_attn.weight"], st[f"{pre}.attn.c_attn.bias"] = r(d, 3 * d), r(3 * d, scale=0.1)
        if buffers:  # old checkpoints (the hub's gpt2) store the causal mask as a buffer
            st[f"{pre}.attn.bias"] = torch.tril(torch.ones(npos, npos)).view(1, 1, npos, npos)
        st[f"{pre}.attn.c_proj.weight"], st[f"{pre}.attn.c_proj.bias"] = r(d, d), r(d, scale=0.1)
        st[f"{pre}.ln_2.weight"], st[f"{pre}.ln_2.bias"] = 1 + r(d, scale=0.1), r(d, scale=0.1)
        st[f"{pre}.mlp.c_fc.weight"], st[f"{pre}.mlp.c_fc.bias"] = r(d, 4 * d), r(4 * d, scale=0.1)
        st[f"{pre}.mlp.c_proj.weight"], st[f"{pre}.mlp.c_proj.bias"] = r(4 * d, d), r(d, scale=0.1)
    st[prefix + "ln_f.weight"], st[prefix + "ln_f.bias"] = 1 + r(d, scale=0.1), r(d, scale=0.1)
    return st


# ---------------------------------------------------------------- the checkpoints

def llama_config(arch, model_type, d, heads, kv, layers, inter, tied, **extra):
    cfg = {
        "architectures": [arch], "model_type": model_type, "hidden_size": d, "num_attention_heads": heads,
        "num_key_value_heads": kv, "num_hidden_layers": layers, "intermediate_size": inter, "vocab_size": 100,
        "hidden_act": "silu", "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 64,
        "tie_word_embeddings": tied, "torch_dtype": "float32",
    }
    cfg.update(extra)
    return cfg


CHECKPOINTS = [
    # name, config, dtype, shards
    ("llama3-gqa", llama_config("LlamaForCausalLM", "llama", 64, 4, 2, 2, 96, False, attention_bias=False, mlp_bias=False,
                                rope_theta=500000.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
     torch.float32, 1),
    ("llama-tied", llama_config("LlamaForCausalLM", "llama", 32, 4, 4, 2, 64, True,
                                rope_scaling={"type": "linear", "factor": 2.0}), torch.float32, 1),
    ("mistral-bf16-sharded", llama_config("MistralForCausalLM", "mistral", 64, 4, 1, 2, 96, False, sliding_window=4096,
                                          torch_dtype="bfloat16"), torch.bfloat16, 3),
    ("qwen2", llama_config("Qwen2ForCausalLM", "qwen2", 32, 4, 2, 2, 64, True, rope_theta=1000000.0,
                           use_sliding_window=False, sliding_window=32), torch.float32, 1),
    ("gpt2", {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 32, "n_head": 4, "n_layer": 2,
              "n_positions": 16, "vocab_size": 100, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
              "n_inner": None, "tie_word_embeddings": True, "scale_attn_weights": True, "torch_dtype": "float32"},
     torch.float32, 1),
]


def main():
    for k, (name, cfg, dtype, shards) in enumerate(CHECKPOINTS):
        g = torch.Generator().manual_seed(1000 + k)
        gpt2 = cfg["model_type"] == "gpt2"
        state = gpt2_state(cfg, g, "transformer.", buffers=True) if gpt2 else llama_state(cfg, g)
        stored = {n: t.to(dtype).to(torch.float32) for n, t in state.items()}  # what the file holds
        ids = torch.randint(0, cfg["vocab_size"], (2, SEQ), generator=g, dtype=torch.int64)
        fwd = (lambda p, dt: gpt2_forward(cfg, p, ids, dt, "transformer.")) if gpt2 else (lambda p, dt: llama_forward(cfg, p, ids, dt))
        logits = fwd({n: t.double() for n, t in stored.items()}, torch.float64)
        single = fwd(stored, torch.float32)
        err = (single.double() - logits).abs().max().item() / logits.abs().max().item()
        assert err < 1e-5, (name, err)
        folder = os.path.join(HERE, name)
        save_checkpoint(folder, cfg, state, dtype, shards)
        np.save(os.path.join(folder, "input_ids.npy"), ids.numpy())
        np.save(os.path.join(folder, "logits.npy"), logits.numpy())
        line = f"{name}: {cfg['architectures'][0]}, {DTYPES[dtype]}, {shards} shard(s), float32 vs float64 {err:.1e}"
        if dtype == torch.bfloat16:
            low = fwd(stored, torch.bfloat16).double()
            np.save(os.path.join(folder, "logits_bf16.npy"), low.float().numpy())
            line += f", bfloat16 arithmetic vs float64 {(low - logits).abs().max().item() / logits.abs().max().item():.1e}"
        print(line)


if __name__ == "__main__":
    main()
