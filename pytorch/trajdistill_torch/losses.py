"""The losses of src/lib/train/studentLoss.ts, distill.ts and the teacher's token CE.

Student (thesis eq. 9): L = CE + α·time + λ·KL(τ), each part a SUM over this process's rows divided
by the count over the whole global batch (all processes, all micro-batches), so that summing parts
over micro-batches and ranks gives exactly the full-batch loss.
"""
import torch

TEACHER_FLOOR = 1e-30
MASKED = -1e9


def kl_rows(b, last_step_only, kl_mask_last_steps=0):
    """Rows the KL applies to (klRowWeights in studentLoss.ts): at least one candidate, only each
    trip's last step with lastStepOnly, none of each trip's last kl_mask_last_steps steps."""
    rows = b["candMask"][:, 0] > 0
    if last_step_only:
        rows = rows & (b["lastStep"] > 0)
    if kl_mask_last_steps > 0:
        rows = rows & (b["stepsToEnd"] > kl_mask_last_steps)
    return rows


def kl_row_count(b, last_step_only, kl_mask_last_steps=0):
    return int(kl_rows(b, last_step_only, kl_mask_last_steps).sum())


def counts(b, distilling, last_step_only, kl_mask_last_steps=0):
    return [float(b["labelMask"].sum()), float(b["timeMask"].sum()),
            float(kl_row_count(b, last_step_only, kl_mask_last_steps)) if distilling else 0.0]


def distill_sum(teacher_probs, logits, mask, tau, row_weight, tau_squared):
    """Σ over rows of row_weight·τ²·KL(q^τ ‖ p^τ) (distillationLoss without its mean): q^τ ∝
    exp(log q̃ / τ) over valid candidates, p^τ = softmax(logits / τ); no gradient to the teacher."""
    valid = mask > 0
    logq = torch.log(torch.clamp(teacher_probs.detach(), min=TEACHER_FLOOR)) / tau
    log_q = torch.log_softmax(torch.where(valid, logq, torch.full_like(logq, MASKED)), 1)
    q = torch.exp(log_q) * mask
    log_p = torch.log_softmax(torch.where(valid, logits / tau, torch.full_like(logits, MASKED)), 1)
    kl_row = (q * (log_q - log_p)).sum(1)
    return (kl_row * row_weight).sum() * (tau * tau if tau_squared else 1.0)


def student_parts(logits, time_pred, b, time_mean, time_std, o, totals, teacher_probs=None):
    """(total, ce, time, kl, correct) of this process's rows as shares of the global batch."""
    label = b["label"]
    nll = -torch.log_softmax(logits, 1).gather(1, label[:, None]).squeeze(1)
    ce = (nll * b["labelMask"]).sum() / max(1.0, totals[0])
    pred_t = time_pred.gather(1, label[:, None]).squeeze(1) * time_std + time_mean
    true_t = b["timeLabel"] * time_std + time_mean
    ape = (pred_t - true_t).abs() / torch.clamp(true_t, min=1)
    time = (ape * b["timeMask"]).sum() / max(1.0, totals[1])
    kl = torch.zeros((), device=logits.device)
    if teacher_probs is not None and totals[2] > 0:
        w = kl_rows(b, o["lastStepOnly"], o.get("klMaskLastSteps", 0)).to(logits.dtype)
        kl = distill_sum(teacher_probs, logits, b["candMask"], o["tau"], w, not o["noTauSquared"]) / totals[2]
    total = ce + o["alpha"] * time
    if teacher_probs is not None:
        total = total + o["lambda"] * kl
    correct = ((logits.argmax(1) == label).float() * b["labelMask"]).sum()
    return total, ce, time, kl, correct
