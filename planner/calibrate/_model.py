"""A random-weight decoder in plain PyTorch eager, built from a Hugging Face `config.json` dict.

Used twice: the calibration counts and times the eager per-layer overhead of a tiny copy, and
`--verify` times prefill and decode steps of a full-size copy against the planner's prediction.
Llama-style layers (RMSNorm, GQA attention with RoPE through `scaled_dot_product_attention`,
SwiGLU MLP) and a Mixtral-style MoE variant (softmax router, top-k, one MLP per expert, the
expert loop of Hugging Face transformers). The KV cache is preallocated (a static cache), so a
decode step reads the cache once; no weights are downloaded.

Standard library and torch only: this module runs where only torch is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from planner.errors import CalibrationError

TORCH_DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16,
}
"""Planner precision names to torch dtypes (fp8 is only a GEMM input type, see `_bench`)."""


@dataclass(frozen=True)
class DecoderConfig:
    """The shape of a decoder, read from a Hugging Face config."""

    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    num_experts: int = 0
    """Routed experts per layer (0: dense MLP)."""
    num_experts_per_tok: int = 0
    """Experts each token activates (top-k)."""
    expert_intermediate_size: int = 0
    """Intermediate size of one expert."""

    @property
    def is_moe(self) -> bool:
        """Whether the feed-forward is the routed-expert block."""
        return self.num_experts > 0

    @classmethod
    def from_hf(cls, config: dict[str, Any], where: str = "config") -> DecoderConfig:
        """Read the fields this decoder needs from a `config.json` dict.

        Raises:
            CalibrationError: A required field is missing, or the architecture is one the
                verification decoder does not build (MLA attention, shared experts).
        """
        def need(key: str) -> int:
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise CalibrationError(f"{key} must be a positive integer", where=f"{where}: {key}", value=value,
                                       hint="pass a decoder config.json (Llama/Mistral/Qwen/Mixtral style)")
            return value

        if config.get("kv_lora_rank") or config.get("n_shared_experts") or \
                config.get("shared_expert_intermediate_size"):
            raise CalibrationError("the verification decoder builds Llama-style and Mixtral-style models only "
                                   "(no MLA attention, no shared experts)", where=where,
                                   hint="verify with a Llama, Mistral, Qwen2/3 or Mixtral config")
        hidden = need("hidden_size")
        heads = need("num_attention_heads")
        kv_heads = config.get("num_key_value_heads") or heads
        head_dim = config.get("head_dim") or hidden // heads
        experts = config.get("num_local_experts") or config.get("num_experts") or config.get("n_routed_experts") or 0
        top_k = config.get("num_experts_per_tok") or 0
        if experts and not top_k:
            raise CalibrationError("MoE config without num_experts_per_tok", where=f"{where}: num_experts_per_tok",
                                   hint="add num_experts_per_tok (top-k)")
        return cls(
            hidden_size=hidden, intermediate_size=need("intermediate_size"), num_layers=need("num_hidden_layers"),
            num_heads=heads, num_kv_heads=int(kv_heads), head_dim=int(head_dim), vocab_size=need("vocab_size"),
            rope_theta=float(config.get("rope_theta") or 10000.0),
            rms_norm_eps=float(config.get("rms_norm_eps") or 1e-5),
            num_experts=int(experts), num_experts_per_tok=int(top_k),
            expert_intermediate_size=int(config.get("moe_intermediate_size") or config["intermediate_size"])
            if experts else 0,
        )


def sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
    """`scaled_dot_product_attention` with grouped KV heads (native `enable_gqa` where torch has it)."""
    groups = q.shape[1] // k.shape[1]
    if groups == 1:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    try:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
    except TypeError:  # torch < 2.5: repeat the KV heads as transformers' repeat_kv does
        return F.scaled_dot_product_attention(q, k.repeat_interleave(groups, dim=1),
                                              v.repeat_interleave(groups, dim=1), is_causal=causal)


class RMSNorm(nn.Module):
    """RMSNorm computed in fp32, as Hugging Face Llama does."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KvCache:
    """Preallocated K/V for every layer: (batch, kv_heads, max_tokens, head_dim) each."""

    def __init__(self, cfg: DecoderConfig, batch: int, max_tokens: int, device: torch.device,
                 dtype: torch.dtype) -> None:
        shape = (cfg.num_layers, batch, cfg.num_kv_heads, max_tokens, cfg.head_dim)
        # Random contents: a decode step at position p reads p cached tokens whatever they hold.
        self.k = torch.empty(shape, device=device, dtype=dtype).normal_()
        self.v = torch.empty(shape, device=device, dtype=dtype).normal_()


class Attention(nn.Module):
    """GQA self-attention with RoPE and a static KV cache."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.num_heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.num_kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.num_kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.num_heads * cfg.head_dim, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache_k: torch.Tensor,
                cache_v: torch.Tensor, pos: int) -> torch.Tensor:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        cache_k[:, :, pos:pos + t] = k
        cache_v[:, :, pos:pos + t] = v
        out = sdpa(q, cache_k[:, :, :pos + t], cache_v[:, :, :pos + t], causal=t > 1)
        result: torch.Tensor = self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))
        return result


class Mlp(nn.Module):
    """SwiGLU feed-forward: down(silu(gate(x)) * up(x))."""

    def __init__(self, hidden: int, inter: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))
        return out


class Moe(nn.Module):
    """Mixtral-style routed experts, looping over the experts a batch hits (transformers eager)."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.top_k, self.num_experts = cfg.num_experts_per_tok, cfg.num_experts
        self.gate = nn.Linear(cfg.hidden_size, cfg.num_experts, bias=False)
        self.experts = nn.ModuleList(Mlp(cfg.hidden_size, cfg.expert_intermediate_size)
                                     for _ in range(cfg.num_experts))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        flat = x.reshape(-1, h)
        probs = F.softmax(self.gate(flat), dim=-1, dtype=torch.float)
        weights, chosen = torch.topk(probs, self.top_k, dim=-1)
        weights = (weights / weights.sum(dim=-1, keepdim=True)).to(x.dtype)
        out = torch.zeros_like(flat)
        mask = F.one_hot(chosen, num_classes=self.num_experts).permute(2, 1, 0)
        for e in (mask.sum(dim=(-1, -2)) > 0).nonzero().flatten().tolist():
            slot, token = torch.where(mask[e])
            y = self.experts[e](flat[token]) * weights[token, slot, None]
            out.index_add_(0, token, y)
        return out.view(b, t, h)


class Layer(nn.Module):
    """Pre-norm decoder layer: attention then MLP/MoE, each with a residual."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.input_norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.attn = Attention(cfg)
        self.post_norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp: nn.Module = Moe(cfg) if cfg.is_moe else Mlp(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache_k: torch.Tensor,
                cache_v: torch.Tensor, pos: int) -> torch.Tensor:
        x = x + self.attn(self.input_norm(x), cos, sin, cache_k, cache_v, pos)
        out: torch.Tensor = x + self.mlp(self.post_norm(x))
        return out


class Decoder(nn.Module):
    """Embedding, layers, final norm and lm_head; `step` is one greedy generation step."""

    cos: torch.Tensor
    sin: torch.Tensor

    def __init__(self, cfg: DecoderConfig, max_tokens: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.num_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        cos, sin = _rope_tables(cfg, max_tokens, None)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, tokens: torch.Tensor, cache: KvCache, pos: int) -> torch.Tensor:
        """Logits of the last position (generate keeps only those), shape (batch, vocab)."""
        t = tokens.shape[1]
        x = self.embed(tokens)
        cos = self.cos[pos:pos + t].to(x.dtype)
        sin = self.sin[pos:pos + t].to(x.dtype)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, cache.k[i], cache.v[i], pos)
        logits: torch.Tensor = self.lm_head(self.norm(x[:, -1:, :]))
        return logits[:, 0, :]

    def step(self, tokens: torch.Tensor, cache: KvCache, pos: int) -> torch.Tensor:
        """Forward plus greedy sampling: the next token of every sequence, shape (batch, 1)."""
        return self.forward(tokens, cache, pos).argmax(dim=-1, keepdim=True)


@torch.no_grad()
def build(cfg: DecoderConfig, max_tokens: int, device: torch.device, dtype: torch.dtype,
          seed: int = 0) -> Decoder:
    """A decoder with random N(0, 0.02) weights, allocated directly on `device` in `dtype`."""
    with torch.device("meta"):
        model = Decoder(cfg, max_tokens).to(dtype=dtype)  # converting on meta costs nothing
    model = model.to_empty(device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    for name, param in model.named_parameters():
        if name.endswith("norm.weight"):
            param.fill_(1.0)
        else:
            param.normal_(0.0, 0.02, generator=gen)
    cos, sin = _rope_tables(cfg, max_tokens, device)  # to_empty left the buffers uninitialised
    model.cos, model.sin = cos.to(dtype), sin.to(dtype)
    return model.eval()


def _rope_tables(cfg: DecoderConfig, max_tokens: int, device: torch.device | None) -> tuple[torch.Tensor, torch.Tensor]:
    """RoPE cos/sin for positions 0..max_tokens-1, shape (max_tokens, head_dim), fp32."""
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float, device=device)
                                    / cfg.head_dim))
    angles = torch.outer(torch.arange(max_tokens, dtype=torch.float, device=device), inv)
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos(), angles.sin()


def weight_bytes(cfg: DecoderConfig, dtype_bytes: int) -> int:
    """Bytes of all weights (for memory checks before building)."""
    h, a = cfg.hidden_size, cfg.num_heads * cfg.head_dim
    kv = cfg.num_kv_heads * cfg.head_dim
    attn = h * a * 2 + h * kv * 2
    mlp = 3 * h * (cfg.expert_intermediate_size * cfg.num_experts + cfg.num_experts) if cfg.is_moe \
        else 3 * h * cfg.intermediate_size
    return int((cfg.num_layers * (attn + mlp) + 2 * cfg.vocab_size * h) * dtype_bytes)


def kv_bytes(cfg: DecoderConfig, batch: int, tokens: int, dtype_bytes: int) -> int:
    """Bytes of a static KV cache for `batch` sequences of `tokens`."""
    return 2 * cfg.num_layers * batch * cfg.num_kv_heads * tokens * cfg.head_dim * dtype_bytes


def tiny_config(num_layers: int, moe: bool = False) -> DecoderConfig:
    """A decoder so small that every op is launch/dispatch bound (for the eager overhead benchmark)."""
    return DecoderConfig(hidden_size=64, intermediate_size=128, num_layers=num_layers, num_heads=4, num_kv_heads=2,
                         head_dim=16, vocab_size=128, num_experts=4 if moe else 0,
                         num_experts_per_tok=2 if moe else 0, expert_intermediate_size=64 if moe else 0)

