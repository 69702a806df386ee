#!/usr/bin/env python3
"""Rewrites a .cu file into C++ for cuda/emu: kernel launches `k<<<g, b, smem, s>>>(args);`
become emu::launch calls, and `extern __shared__ T name[];` a pointer to the block's dynamic
shared memory. Everything else compiles as is against include/cuda_runtime.h.

The launch's closure captures the kernel arguments by value, as a CUDA launch copies them: a
launch recorded into an emulated CUDA graph runs later, after the launching call returned."""
import re
import sys


def split_top(s):
    parts, depth, cur = [], 0, ''
    for ch in s:
        if ch in '(<[{':
            depth += 1
        elif ch in ')>]}':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur.strip())
            cur = ''
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def launch(m):
    kernel, config, args = m.group(1), m.group(2), m.group(3)
    cfg = split_top(config)
    while len(cfg) < 4:
        cfg.append('0')
    return ('::emu::launch(dim3(%s), dim3(%s), %s, %s, "%s", [=] { %s(%s); });'
            % (cfg[0], cfg[1], cfg[2], cfg[3], kernel, kernel, args))


src = open(sys.argv[1]).read()
src = re.sub(r'extern __shared__ (\w+) (\w+)\[\];',
             r'\1* \2 = static_cast<\1*>(::emu::dynamic_shared());', src)
# A kernel name may carry template arguments nested one level: k<ColumnsPerLane<16>><<<...>>>.
src = re.sub(r'([A-Za-z_]\w*(?:<(?:[^<>;]|<[^<>;]*>)*>)?)\s*<<<(.*?)>>>\s*\((.*?)\);', launch, src,
             flags=re.S)
sys.stdout.write('#line 1 "%s"\n' % sys.argv[1] + src)
