#!/usr/bin/env python3
"""PyTorch peer of adept4j's model for `adept bench peer`: the same shapes, timed the same way, printed as one JSON line.

The model mirrors io.adept4j.model.CausalLm as `adept bench model` builds it: RMSNorm, rotary embedding, grouped-query
attention with a causal mask, SwiGLU (intermediate size round32(8d/3)), the embedding tied to the LM head, AdamW,
random token ids (B x T). Measured, each as the median of the timed repetitions after warm-up:
  - a full training step (forward, cross-entropy, backward, AdamW) of the L-block model, and its forward pass;
  - on the model expanded to L + K blocks (K = max(1, L/4)), a full step and a copies-only step (only the K blocks from
    index L/2 on train, where adept4j's copy of block L/2 - 1 sits, the rest is frozen: requires_grad False, so no weight gradient and no optimizer state).
Install once (Debian): apt-get install -y python3-torch libopenblas0-pthread
Run it with the same OPENBLAS_CORETYPE as adept4j (`adept bench peer` does): Debian's OpenBLAS 0.3.21 also falls back
to its generic Prescott kernel on this project's Xeon (18 GFLOP/s for a 1024^3 sgemm on one thread).
Usage: torch_peer.py --hidden 128 --layers 4 [--threads 1] [--vocab 8192] [--batch 16] [--seq 128] [--steps 6]
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch_peer.py: PyTorch is not installed; install it with: apt-get install -y python3-torch "
          "libopenblas0-pthread", file=sys.stderr)
    sys.exit(2)

p = argparse.ArgumentParser()
p.add_argument("--hidden", type=int, required=True)
p.add_argument("--layers", type=int, required=True)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--vocab", type=int, default=8192)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--seq", type=int, default=128)
p.add_argument("--steps", type=int, default=6)
a = p.parse_args()
torch.set_num_threads(a.threads)
D, L, V, B, T = a.hidden, a.layers, a.vocab, a.batch, a.seq
HEADS = max(1, D // 32)           # the same head rule as ModelBenchmark
KV = max(1, HEADS // 2)
HD = D // HEADS
FF = ((D * 8 // 3) + 31) // 32 * 32


class RmsNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), -1) * sin


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = RmsNorm(D), RmsNorm(D)
        self.q = nn.Linear(D, HEADS * HD, bias=False)
        self.k = nn.Linear(D, KV * HD, bias=False)
        self.v = nn.Linear(D, KV * HD, bias=False)
        self.o = nn.Linear(HEADS * HD, D, bias=False)
        self.gate = nn.Linear(D, FF, bias=False)
        self.up = nn.Linear(D, FF, bias=False)
        self.down = nn.Linear(FF, D, bias=False)

    def forward(self, x, cos, sin, mask):
        h = self.norm1(x)
        q = rotate(self.q(h).view(B, T, HEADS, HD).transpose(1, 2), cos, sin)
        k = rotate(self.k(h).view(B, T, KV, HD).transpose(1, 2), cos, sin).repeat_interleave(HEADS // KV, 1)
        v = self.v(h).view(B, T, KV, HD).transpose(1, 2).repeat_interleave(HEADS // KV, 1)
        att = ((q @ k.transpose(-1, -2)) / math.sqrt(HD) + mask).softmax(-1) @ v
        x = x + self.o(att.transpose(1, 2).reshape(B, T, HEADS * HD))
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Lm(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.blocks = nn.ModuleList(Block() for _ in range(layers))
        self.norm = RmsNorm(D)
        freq = torch.outer(torch.arange(T).float(), 1.0 / 10000 ** (torch.arange(0, HD, 2).float() / HD))
        freq = torch.cat((freq, freq), -1)
        self.cos, self.sin = freq.cos(), freq.sin()
        self.mask = torch.full((T, T), float("-inf")).triu(1)

    def forward(self, ids):
        x = self.embed(ids)
        for b in self.blocks:
            x = b(x, self.cos, self.sin, self.mask)
        return self.norm(x) @ self.embed.weight.t()   # tied head


def median_seconds(fn, steps, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


torch.manual_seed(1)
ids = torch.randint(0, V, (B, T))
targets = torch.randint(0, V, (B, T))


def training_step(model, params):
    opt = torch.optim.AdamW(params, lr=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(ids).view(-1, V), targets.view(-1)).backward()
        opt.step()
    return step


base = Lm(L)
train = median_seconds(training_step(base, list(base.parameters())), a.steps)
with torch.no_grad():
    forward = median_seconds(lambda: base(ids), a.steps)
K = max(1, L // 4)
expanded = Lm(L + K)
full = median_seconds(training_step(expanded, list(expanded.parameters())), a.steps)
for prm in expanded.parameters():
    prm.requires_grad_(False)
copies = [prm for i in range(L // 2, L // 2 + K) for prm in expanded.blocks[i].parameters()]
for prm in copies:
    prm.requires_grad_(True)
copies_only = median_seconds(training_step(expanded, copies), a.steps)
tokens = B * T
print(json.dumps({
    "torch": torch.__version__, "threads": a.threads, "hidden": D, "layers": L, "heads": HEADS, "kvHeads": KV,
    "vocab": V, "batch": B, "seqLen": T, "timedSteps": a.steps,
    "parameters": sum(x.numel() for x in base.parameters()),
    "trainStepSeconds": round(train, 4), "trainTokensPerSecond": round(tokens / train),
    "forwardSeconds": round(forward, 4), "forwardTokensPerSecond": round(tokens / forward),
    "expandedLayers": L + K, "firstCopyIndex": L // 2,
    "expandedFullStepSeconds": round(full, 4), "copiesOnlyStepSeconds": round(copies_only, 4),
    "copiesOnlyOverFull": round(copies_only / full, 3)}))
