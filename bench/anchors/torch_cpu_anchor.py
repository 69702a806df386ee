# CPU anchor: the Gumbel-Rao estimator step in eager PyTorch on the CPU, what a Python user on a
# CPU would pick instead: the stable log-space conditional Gumbel and the analytic softmax JVP
# averaged over K (the closed form of the reference implementation, no autograd). Runs with the
# Debian python3-torch (1.13; bench/run.sh installs it); threads = argv[1] (default: all logical
# CPUs). One JSON line per (rows, arity, K, tau): median of 5 calls after one warm-up,
# element-samples/s = rows x arity x K / s (torch_Mel_s in millions). The shapes are those of the
# suite (rows = 2^20 / arity) where a call takes seconds at most, at both temperatures of the
# suite (0.5 and 0.3). argv[2] = --quick: one shape (a smoke run).
import json, os, statistics, sys, time
import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count())


def gumbel_rao_step(logits, g, k, tau):
    lse = torch.logsumexp(logits, -1, keepdim=True)
    gumbel = -torch.log(-torch.log(torch.rand_like(logits)))
    d = torch.argmax(logits + gumbel, -1, keepdim=True)
    one_hot = torch.zeros_like(logits).scatter_(-1, d, 1.0)
    e = -torch.log(torch.rand((k,) + logits.shape))
    e_d = torch.gather(e, -1, d.expand(k, -1, -1))
    top = lse - torch.log(e_d)
    rest = -torch.logaddexp(torch.log(e) - logits, torch.log(e_d) - lse)
    z = torch.where(one_hot.bool(), top, rest)
    s = torch.softmax(z / tau, -1)
    dot = (s * g).sum(-1, keepdim=True)
    return d, (s * (g - dot)).mean(0) / tau


SHAPES = [(65536, 16, 10), (65536, 16, 100), (131072, 8, 10), (1024, 1024, 10)]
if "--quick" in sys.argv[2:]:
    SHAPES = SHAPES[:1]
torch.manual_seed(0)
for rows, arity, k in SHAPES:
    for tau in (0.5, 0.3):
        th = torch.randn(rows, arity)
        g = torch.randn(rows, arity)
        with torch.no_grad():
            gumbel_rao_step(th, g, k, tau)
            times = []
            for _ in range(5):
                t = time.perf_counter()
                gumbel_rao_step(th, g, k, tau)
                times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1e3
        print(json.dumps(dict(R=rows, N=arity, K=k, tau=tau, torch=torch.__version__,
                              threads=torch.get_num_threads(), torch_ms=round(ms, 2),
                              torch_Mel_s=round(rows * arity * k / ms / 1e3, 2))), flush=True)
