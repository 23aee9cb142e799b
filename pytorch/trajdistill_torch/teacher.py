"""LM-TAD, the teacher (src/lib/models/teacher.ts): a GPT-2-style decoder over grid-cell tokens,
pre-LN, no biases, exact GELU, LM head tied to wte. Module names are LM-TAD's state_dict keys
(transformer.wte.weight, transformer.h.{l}.attn.c_attn.weight, …), as the app's checkpoints store
them. Tokens: cells, then PAD = V−3, EOT = V−2, SOT = V−1; a trip is [SOT, (dest), c1 … cn, EOT].
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

MASKED = -1e9


class LayerNorm(nn.Module):
    """LayerNorm with a weight and no bias (LM-TAD: bias=False everywhere), eps 1e-5."""

    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, None, 1e-5)


class SelfAttention(nn.Module):
    def __init__(self, C, H, dropout):
        super().__init__()
        self.H = H
        self.c_attn = nn.Linear(C, 3 * C, bias=False)
        self.c_proj = nn.Linear(C, C, bias=False)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, causal):
        B, T, C = x.shape
        hd = C // self.H
        q, k, v = [t.reshape(B, T, self.H, hd).permute(0, 2, 1, 3) for t in self.c_attn(x).split(C, 2)]
        att = torch.softmax((q @ k.transpose(2, 3)) * (1 / math.sqrt(hd)) + causal, -1)
        y = (self.drop(att) @ v).permute(0, 2, 1, 3).reshape(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C, bias=False)
        self.c_proj = nn.Linear(4 * C, C, bias=False)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, C, H, dropout):
        super().__init__()
        self.ln_1 = LayerNorm(C)
        self.attn = SelfAttention(C, H, dropout)
        self.ln_2 = LayerNorm(C)
        self.mlp = MLP(C)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, causal):
        x = x + self.drop(self.attn(self.ln_1(x), causal))
        return x + self.drop(self.mlp(self.ln_2(x)))


class Teacher(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = self.config = dict(config)
        if c["nEmbd"] % c["nHead"]:
            raise ValueError(f"nEmbd {c['nEmbd']} is not divisible by nHead {c['nHead']}")
        if c.get("destRelative"):
            raise ValueError("this teacher gives every position its offset to the destination (destRelative), "
                             "which the PyTorch peer does not implement; train or score it in the app or the CLI")
        V = c["vocabSize"]
        self.pad, self.eot, self.sot = V - 3, V - 2, V - 1
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(V, c["nEmbd"]),
            wpe=nn.Embedding(c["blockSize"], c["nEmbd"]),
            h=nn.ModuleList([Block(c["nEmbd"], c["nHead"], c.get("dropout", 0.0)) for _ in range(c["nLayer"])]),
            ln_f=LayerNorm(c["nEmbd"]),
        ))
        self.drop = nn.Dropout(c.get("dropout", 0.0))
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * c["nLayer"]) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def hidden(self, tokens):
        B, T = tokens.shape
        if T > self.config["blockSize"]:
            raise ValueError(f"sequence length {T} exceeds blockSize {self.config['blockSize']}")
        tr = self.transformer
        x = self.drop(tr.wte(tokens) + tr.wpe.weight[:T])
        causal = (1 - torch.tril(torch.ones(T, T, device=tokens.device, dtype=x.dtype))) * MASKED
        for blk in tr.h:
            x = blk(x, causal)
        return tr.ln_f(x)

    def forward(self, tokens, targets=None):
        """Logits [B, T, V] (head tied to wte); with `targets` ([B, T], PAD where nothing is
        predicted) the flat log-probs of the non-PAD targets instead, the head computed only there."""
        h = self.hidden(tokens)
        wte = self.transformer.wte.weight
        if targets is None:
            return h @ wte.t()
        keep = targets != self.pad
        h = h[keep]
        # log p(target) = h·e_target − logsumexp(h·Wᵀ), as targetLogProbs in teacher.ts.
        return (h * wte[targets[keep]]).sum(1) - torch.logsumexp(h @ wte.t(), 1)

    def pad_batch(self, seqs, device):
        """Right-padded with PAD, cropped to blockSize + 1 tokens (padBatch in teacher.ts)."""
        T = min(self.config["blockSize"] + 1, max(len(s) for s in seqs))
        out = torch.full((len(seqs), T), self.pad, dtype=torch.long)
        for i, s in enumerate(seqs):
            s = s[:T]
            out[i, :len(s)] = torch.as_tensor(s, dtype=torch.long)
        return out.to(device)

    def target_log_probs(self, seqs, device):
        """log p of every non-PAD target tokens[:, i+1] given tokens[:, ≤i], flat [M]."""
        batch = self.pad_batch(seqs, device)
        return self(batch[:, :-1], batch[:, 1:])

    def next_cell_log_probs(self, windows, device):
        """[N, V] next-token log-probs after [SOT, …window] for each window (nextCellLogProbs)."""
        max_cells = self.config["blockSize"] - 1
        dest = bool(self.config.get("destination"))

        def cut(w):
            if len(w) <= max_cells:
                return list(w)
            return [w[0]] + list(w[len(w) - max_cells + 1:]) if dest else list(w[len(w) - max_cells:])

        seqs = [[self.sot] + cut(w) for w in windows]
        batch = self.pad_batch(seqs, device)
        last = torch.as_tensor([len(s) - 1 for s in seqs], device=device)
        h = self.hidden(batch)[torch.arange(len(seqs), device=device), last]
        return torch.log_softmax(h @ self.transformer.wte.weight.t(), 1)


def road_cells(config, export):
    """ψ as this teacher sees roads: centroid cells, or far-end cells with anchor 'end'."""
    import numpy as np

    return np.array(export.array("psi/roadEndCell" if config.get("anchor") == "end" else "psi/roadCell"))


def trip_tokens(roads, cells, config, sot, eot):
    """[SOT, (ψ(dest)), c1 … cn, EOT] (tripToTokens), collapsing repeats when the config says so."""
    seq = []
    for r in roads:
        c = int(cells[r])
        if config.get("collapse") and seq and seq[-1] == c:
            continue
        seq.append(c)
    head = [sot, int(cells[roads[-1]])] if config.get("destination") and len(roads) else [sot]
    return head + seq + [eot]


def trip_windows(roads, steps, cells, w, collapse, destination):
    """The teacher's input for every step of one (cropped) trip: the last w cells of the prefix
    r_0..r_i (tripTeacherWindows), the destination's cell first for a destination teacher."""
    out, seq = [], []
    head = [int(cells[roads[-1]])] if destination and len(roads) else []
    for i in range(steps):
        c = int(cells[roads[i]])
        if not collapse or not seq or seq[-1] != c:
            seq.append(c)
        out.append(head + (seq[max(0, len(seq) - w):] if math.isfinite(w) else list(seq)))
    return out
