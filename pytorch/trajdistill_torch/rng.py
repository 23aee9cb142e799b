"""The app's seeded randomness (src/lib/random.ts), bit for bit, so that a run here shuffles its
trips exactly as the app does: the same batches at the same step, and a resumed position that
means the same thing on both sides."""
import math

M32 = 0xFFFFFFFF


def u32(x):
    """JavaScript's `x >>> 0` for an integer-valued number."""
    return int(x) & M32


def make_rng(seed):
    """mulberry32, as makeRng: a function returning floats in [0, 1)."""
    state = [u32(seed)]

    def rng():
        a = (state[0] + 0x6D2B79F5) & M32
        state[0] = a
        t = ((a ^ (a >> 15)) * (a | 1)) & M32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return rng


def shuffle_in_place(arr, rng):
    """Fisher–Yates driven by rng, as shuffleInPlace."""
    for i in range(len(arr) - 1, 0, -1):
        j = int(rng() * (i + 1))
        arr[i], arr[j] = arr[j], arr[i]
    return arr


def nested_subset(n, frac, seed):
    """Indices of nestedSubset(items, frac, seed) for n items (sorted)."""
    if frac >= 1:
        return list(range(n))
    order = shuffle_in_place(list(range(n)), make_rng(u32(seed * 2_654_435_761 + 17)))
    return sorted(order[: max(1, math.ceil(frac * n))])


def js_round(x):
    """Math.round for the non-negative numbers schedules use (halves go up, not to even)."""
    return int(math.floor(x + 0.5))
