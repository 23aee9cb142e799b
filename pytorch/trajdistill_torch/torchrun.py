"""torchrun, working on Debian's torch 1.13 under Python 3.11.

torch 1.13's launcher reads --redirects / --tee (default "0") by iterating the Std flag enum, which
since Python 3.11 skips the zero member: every launch then fails with "'NoneType' object has no
attribute 'get'". This parses those two options properly and hands over to torchrun unchanged:

  python3 -m trajdistill_torch.torchrun --nproc_per_node 2 -m trajdistill_torch.train student …

(Plain torchrun also works when given `--redirects 9:0 --tee 9:0`: a map for a rank that does not
exist, so every real rank falls back to no redirection.)
"""
import re
import sys

from torch.distributed.elastic.multiprocessing import api
from torch.distributed.run import main

_from_str = api.Std.from_str


def _parse(vm):
    if re.fullmatch(r"\d", vm):
        return api.Std(int(vm))
    if re.fullmatch(r"(\d:\d,)*\d:\d", vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    return _from_str(vm)


api.Std.from_str = staticmethod(_parse)

if __name__ == "__main__":
    sys.exit(main())
