#!/usr/bin/python3
"""An independent PyTorch implementation of the `vae` experiment's model, objective and bound,
for two checks of the Java code (gumbel-rao vae, DJL):

  bound DIR       the importance-weighted bound of the weights Diag --dump wrote to DIR, on the
                  same 500 validation images, with PyTorch's own sampling (Categorical), for
                  M = 1, 10, 100, 1000: compare with DIR/java_bounds.txt.
  train ...       the same model (784-512-256-(15x16) / (15x16)-256-512-784, tanh, Glorot-
                  uniform weights, zero biases, decoder output bias at the training pixels'
                  log-odds), ST-GS (hard one-hot forward, softmax((theta + G) / tau) backward,
                  torch's own Gumbel noise), closed-form KL to the uniform prior, mean over the
                  batch of per-image sums, torch.optim.SGD(momentum) or Adam, and the same
                  validation bound every N steps. The binarized data comes from a Diag dump.

Nothing here is shared with the Java code but the binarized images.
"""
import argparse
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
PX = 784


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class Vae(nn.Module):
    def __init__(self, V, N):
        super().__init__()
        self.V, self.N = V, N
        self.enc = mlp([PX, 512, 256, V * N])
        self.dec = mlp([V * N, 256, 512, PX])

    def glorot(self, pixel_means, gen):
        for m in list(self.enc) + list(self.dec):
            if isinstance(m, nn.Linear):
                a = math.sqrt(6.0 / (m.in_features + m.out_features))
                with torch.no_grad():
                    m.weight.uniform_(-a, a, generator=gen)
                    m.bias.zero_()
        p = pixel_means.clamp(1e-3, 1 - 1e-3)
        with torch.no_grad():
            self.dec[-1].bias.copy_(torch.log(p / (1 - p)))

    def load_java(self, d):
        names = [l.split()[0] for l in open(d + "/params.txt")]
        params = [self.enc[0].weight, self.enc[0].bias, self.enc[2].weight, self.enc[2].bias,
                  self.enc[4].weight, self.enc[4].bias, self.dec[0].weight, self.dec[0].bias,
                  self.dec[2].weight, self.dec[2].bias, self.dec[4].weight, self.dec[4].bias]
        assert len(names) == 12, names
        with torch.no_grad():
            for i, p in enumerate(params):
                w = np.fromfile("%s/p%d.f32" % (d, i), dtype="<f4")
                assert w.size == p.numel(), (names[i], w.size, p.shape)
                p.copy_(torch.from_numpy(w).view_as(p))


def bernoulli_ll(r, x):
    # log p(x | D) = sum_j x_j r_j - softplus(r_j)
    return (x * r - F.softplus(r)).sum(-1)


@torch.no_grad()
def iw_bound(model, x, M, gen, chunk=50):
    """mean over images of -log (1/M) sum_m p(x, D^m) / q(D^m | x), D^m ~ q."""
    V, N = model.V, model.N
    out = []
    for i in range(0, x.shape[0], chunk):
        xb = x[i:i + chunk]
        b = xb.shape[0]
        logq = F.log_softmax(model.enc(xb).view(b, V, N), -1)
        # sample via inverse CDF with torch's generator: independent of the Java sampler
        u = torch.rand(b, M, V, 1, generator=gen)
        cdf = logq.exp().cumsum(-1).unsqueeze(1)  # b,1,V,N
        d = (u > cdf).sum(-1).clamp(max=N - 1)     # b,M,V
        onehot = F.one_hot(d, N).float()
        lq = (onehot * logq.unsqueeze(1)).sum((-1, -2))
        r = model.dec(onehot.view(b * M, V * N)).view(b, M, PX)
        ll = bernoulli_ll(r, xb.unsqueeze(1))
        lw = ll - V * math.log(N) - lq
        out.append(torch.logsumexp(lw.double(), 1) - math.log(M))
    return -torch.cat(out).mean().item(), torch.cat(out)


def bound_cmd(a):
    model = Vae(15, 16)
    model.load_java(a.dir)
    valid = np.fromfile(a.dir + "/valid.u8", dtype=np.uint8).reshape(-1, PX)[:a.images]
    x = torch.from_numpy(valid.astype(np.float32))
    gen = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        logq = F.log_softmax(model.enc(x).view(-1, 15, 16), -1)
        kl = (logq.exp() * logq).sum((-1, -2)).mean().item() + 15 * math.log(16)
    print("torch kl %.4f" % kl)
    for M in [int(m) for m in a.ms.split(",")]:
        b, per = iw_bound(model, x, M, gen)
        print("torch M=%d  %.4f  (sd per image %.3f)" % (M, b, (-per).std().item()))
    print("java:", open(a.dir + "/java_bounds.txt").read().replace("\n", " | "))


def train_cmd(a):
    train = np.fromfile(a.data + "/train.u8", dtype=np.uint8).reshape(-1, PX)
    valid = np.fromfile(a.data + "/valid.u8", dtype=np.uint8).reshape(-1, PX)[:a.eval_images]
    xt = torch.from_numpy(train.astype(np.float32))
    xv = torch.from_numpy(valid.astype(np.float32))
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    V, N = 240 // a.arity, a.arity
    model = Vae(V, N)
    model.glorot(xt.mean(0), gen)
    if a.opt == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    if a.schedule.startswith("exp:"):
        f = float(a.schedule[4:])
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: f ** (s / a.iters))
    else:
        sched = None
    print("# torch %s, %d thread; %s" % (torch.__version__, torch.get_num_threads(),
                                         " ".join(sys.argv[1:])))
    print("step,valid,valid_kl,frac_q_max_gt_0.99,train_loss,seconds,ms_per_step")
    evgen = torch.Generator().manual_seed(12345)

    def evaluate(step, tl, t0, tt, n):
        with torch.no_grad():
            logq = F.log_softmax(model.enc(xv).view(-1, V, N), -1)
            q = logq.exp()
            kl = (q * logq).sum((-1, -2)).mean().item() + V * math.log(N)
            hard = (q.max(-1).values > 0.99).float().mean().item()
        evgen.manual_seed(12345)
        b, _ = iw_bound(model, xv, a.eval_samples, evgen)
        print("%d,%.3f,%.3f,%.4f,%.3f,%.1f,%.2f" % (step, b, kl, hard, tl, time.time() - t0,
                                                   1000 * tt / max(n, 1)), flush=True)

    t0 = time.time()
    evaluate(0, float("nan"), t0, 0, 0)
    n = xt.shape[0]
    perm = torch.randperm(n, generator=gen)
    pos, tl, cnt, tt = 0, 0.0, 0, 0.0
    for step in range(a.iters):
        if pos + a.batch > n:
            perm = torch.randperm(n, generator=gen)
            pos = 0
        x = xt[perm[pos:pos + a.batch]]
        pos += a.batch
        s0 = time.time()
        logits = model.enc(x).view(-1, V, N)
        logq = F.log_softmax(logits, -1)
        g = -torch.log(-torch.log(torch.rand(logits.shape, generator=gen).clamp(1e-20, 1 - 1e-7)))
        y = F.softmax((logits + g) / a.tau, -1)
        hard = F.one_hot(y.argmax(-1), N).float()
        z = hard - y.detach() + y
        r = model.dec(z.view(-1, V * N))
        rec = -bernoulli_ll(r, x).mean()
        kl = (logq.exp() * logq).sum((-1, -2)).mean() + V * math.log(N)
        loss = rec + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched:
            sched.step()
        tt += time.time() - s0
        tl += loss.item()
        cnt += 1
        if (step + 1) % a.eval_every == 0:
            evaluate(step + 1, tl / cnt, t0, tt, step + 1)
            tl, cnt = 0.0, 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd")
    b = sub.add_parser("bound")
    b.add_argument("dir")
    b.add_argument("--images", type=int, default=500)
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--ms", default="1,10,100,1000")
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--arity", type=int, default=16)
    t.add_argument("--batch", type=int, default=20)
    t.add_argument("--iters", type=int, default=8000)
    t.add_argument("--eval-every", type=int, default=1000)
    t.add_argument("--eval-images", type=int, default=500)
    t.add_argument("--eval-samples", type=int, default=10)
    t.add_argument("--opt", default="sgd")
    t.add_argument("--lr", type=float, default=3e-3)
    t.add_argument("--momentum", type=float, default=0.9)
    t.add_argument("--schedule", default="none")
    t.add_argument("--tau", type=float, default=0.65)
    t.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.cmd == "bound":
        bound_cmd(a)
    else:
        train_cmd(a)


if __name__ == "__main__":
    main()
