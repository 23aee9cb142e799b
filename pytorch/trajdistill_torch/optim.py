"""AdamW as src/lib/train/optim.ts computes it: linear warm-up then cosine to lr·minLrRatio,
global-norm clipping (scale min(1, clip / (norm + 1e-6))), decoupled weight decay on tensors of
rank ≥ 2 only, bias corrections folded into the step size, one step counter for all parameters,
and no update at all when the norm or any new weight is not finite. Written out rather than
torch.optim.AdamW so that the update is ours to the rounding (torch divides √v by √bc2; ours takes
√(v / bc2)) and a resumed app checkpoint continues exactly.
"""
import math

import torch

from .rng import js_round


def schedule(lr, total_steps, warmup_ratio, min_lr_ratio=0.0):
    total = max(1, js_round(total_steps))
    return {"lr": lr, "totalSteps": total, "warmupSteps": js_round(total * warmup_ratio), "minLrRatio": min_lr_ratio}


def lr_at(step, s):
    """Learning rate of update number `step` (1-based), lrAt in optim.ts."""
    lr, warm, total, mn = s["lr"], s["warmupSteps"], s["totalSteps"], s["minLrRatio"]
    if warm > 0 and step < warm:
        return lr * max(0, step) / warm
    span = total - warm
    if span <= 0:
        return lr * mn if step >= total else lr
    progress = min(1.0, max(0.0, (step - warm) / span))
    return lr * (mn + (1 - mn) * 0.5 * (1 + math.cos(math.pi * progress)))


class AdamW:
    def __init__(self, named_params, sched, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8, clip_norm=1.0):
        self.params = [(n, p) for n, p in named_params if p.requires_grad]
        self.sched = sched
        self.wd, self.b1, self.b2, self.eps, self.clip = weight_decay, beta1, beta2, eps, clip_norm
        self.m = {n: torch.zeros_like(p) for n, p in self.params}
        self.v = {n: torch.zeros_like(p) for n, p in self.params}
        self.count = 0

    @property
    def next_lr(self):
        return lr_at(self.count + 1, self.sched)

    @torch.no_grad()
    def step(self):
        """One update from the parameters' .grad; returns (lr, grad norm before clipping, finite)."""
        lr = self.next_lr
        live = [(n, p) for n, p in self.params if p.grad is not None]
        if not live:
            return lr, 0.0, True
        norm = torch.sqrt(torch.stack([(p.grad * p.grad).sum() for _, p in live]).sum())
        clip = torch.clamp(self.clip / (norm + 1e-6), max=1.0) if self.clip > 0 and math.isfinite(self.clip) else None
        t = self.count + 1
        bc1, bc2 = 1 - self.b1 ** t, 1 - self.b2 ** t
        new = []
        bad = torch.zeros((), device=norm.device)
        for n, p in live:
            g = p.grad * clip if clip is not None else p.grad
            m = self.m[n] * self.b1 + g * (1 - self.b1)
            v = self.v[n] * self.b2 + g * g * (1 - self.b2)
            update = m / (torch.sqrt(v / bc2) + self.eps) * (lr / bc1)
            w = (p * (1 - lr * self.wd) if p.dim() >= 2 and self.wd > 0 else p) - update
            bad += (~torch.isfinite(w)).sum()
            new.append((p, n, w, m, v))
        gn = float(norm)
        if not math.isfinite(gn) or float(bad) > 0:
            return lr, gn, False
        for p, n, w, m, v in new:
            p.copy_(w)
            self.m[n], self.v[n] = m, v
        self.count = t
        return lr, gn, True

    def state(self):
        """Moments keyed by parameter name (a state_dict key: a checkpoint's torch name)."""
        return self.m, self.v

    def load(self, exp_avg, exp_avg_sq, step):
        for n, p in self.params:
            if n not in exp_avg or n not in exp_avg_sq:
                from . import TDError

                raise TDError(f"optimiser state lacks moments for {n}")
            for d, src in ((self.m, exp_avg), (self.v, exp_avg_sq)):
                t = torch.as_tensor(src[n], dtype=p.dtype).to(p.device)
                if t.shape != p.shape:
                    from . import TDError

                    raise TDError(f"optimiser state for {n} has shape {list(t.shape)}, expected {list(p.shape)}")
                d[n] = t.clone()
        self.count = int(step)
