#!/usr/bin/env python3
"""Independent check of an exported Hugging Face checkpoint: parses config.json and model.safetensors with the
standard library and numpy only (no adept4j code, no transformers), runs the forward pass of LlamaForCausalLM /
Qwen2ForCausalLM / Qwen3ForCausalLM as transformers defines it (float64), and prints the logits of one sequence as
JSON: {"logits": [[...], ...]}.

    python3 scripts/hf_reference.py CHECKPOINT_DIR 1,2,3,4
"""
import json
import math
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        raw = data[base + a:base + b]
        if t["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif t["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif t["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError("dtype " + t["dtype"])
        out[name] = arr.reshape(t["shape"]).astype(np.float64)
    return out


def inv_freq(cfg, hd):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old / high) & ~(wavelen > old / low)
        return np.where(medium, smoothed, scaled)
    if kind == "default":
        return inv
    raise ValueError("rope type " + str(kind))


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def forward(cfg, w, ids):
    arch = cfg["architectures"][0]
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads") or heads
    hd = cfg.get("head_dim") or d // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    t = len(ids)
    x = w["model.embed_tokens.weight"][ids]
    freqs = np.outer(np.arange(t, dtype=np.float64), inv_freq(cfg, hd))
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = h @ w[p + name + ".weight"].T
            if p + name + ".bias" in w:
                y = y + w[p + name + ".bias"]
            return y

        q = proj("self_attn.q_proj").reshape(t, heads, hd).transpose(1, 0, 2)
        k = proj("self_attn.k_proj").reshape(t, kv, hd).transpose(1, 0, 2)
        v = proj("self_attn.v_proj").reshape(t, kv, hd).transpose(1, 0, 2)
        if arch == "Qwen3ForCausalLM":
            q = rms(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms(k, w[p + "self_attn.k_norm.weight"], eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = heads // kv
        k = np.repeat(k, rep, axis=0)
        v = np.repeat(v, rep, axis=0)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        att = (s @ v).transpose(1, 0, 2).reshape(t, heads * hd)
        x = x + att @ w[p + "self_attn.o_proj.weight"].T
        h2 = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h2 @ w[p + "mlp.gate_proj.weight"].T
        u = h2 @ w[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def main():
    folder, ids = sys.argv[1], [int(i) for i in sys.argv[2].split(",")]
    with open(folder + "/config.json") as f:
        cfg = json.load(f)
    w = read_safetensors(folder + "/model.safetensors")
    json.dump({"logits": forward(cfg, w, ids).tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
