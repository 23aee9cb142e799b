"""TrajDistill's models and trainer in PyTorch, for jobs larger than a browser tab.

Reads the export written by `npm run cli -- export torch` (README.md in this folder documents it),
trains the HOSER student or the LM-TAD teacher under torchrun (DDP: gloo on CPU, NCCL on CUDA) and
writes checkpoints in the app's safetensors layout, so they load unchanged in the CLI and the app.
Needs only torch (1.13 or later) and numpy.
"""


class TDError(Exception):
    """An input problem reported to the user as one line (bad export, refused checkpoint, …)."""
