"""Optional: the same workloads in PyTorch, for a same-machine comparison (the project never needs Python).

    apt-get install python3-torch libopenblas0-pthread && /usr/bin/python3 bench/pytorch/reference.py

(Debian's torch calls the system BLAS: without libopenblas0-pthread that is the reference BLAS, about
20 times slower on matmul, which would flatter every ratio.)

Prints JSON lines like `npm run bench`: W1 (PROPEL forward + backward, float32, mean reduction, written in
the stable log form with torch ops), W2 (one Adam training step of the 2-64-64-16 tanh MLP with PROPEL,
median over steps 21..500 of 500) and W3 (matmul 512x512 float32); and the scale rows of bench/scale.ts
(matmul N = 128 .. 2048, the 2-H-H-16 MLP training step at four (B, H), with their GFLOP/s; W1 at two batch
sizes, scale.propel; reductions and elementwise ops of a [4096, 1024] tensor, scale.reduce and scale.elementwise).
`--only PREFIX[,PREFIX]` keeps the workloads whose name starts with a prefix, as in `npm run bench`.
"""
import json, os, sys, time
import torch

from propel_loss import propel

ONLY = []
for i, arg in enumerate(sys.argv[1:]):
    if arg == "--only" and i + 2 < len(sys.argv):
        ONLY += [p for p in sys.argv[i + 2].split(",") if p]
    elif arg.startswith("--only="):
        ONLY += [p for p in arg[len("--only="):].split(",") if p]


def wants(workload):
    return not ONLY or any(workload.startswith(p) or p.startswith(workload) for p in ONLY)

torch.manual_seed(0)


def median_ms(fn, warmup=3, runs=21):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], len(times)


def report(workload, params, ms, runs):
    print(json.dumps({"workload": workload, "params": params, "median_ms": round(ms, 4), "runs": runs}), flush=True)


params_common = {"impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads()}

def propel_step(B, I, n):
    """W1's step: the PROPEL loss's forward and backward on a random [B, I, 2n] prediction (stds in [0.2, 1.2))."""
    out = torch.cat([torch.randn(B, I, n), 0.2 + torch.rand(B, I, n)], -1).requires_grad_()
    tgt = torch.randn(B, n)

    def step():
        out.grad = None
        propel(out, tgt, 0.1).backward()

    return step


for B, I, n in ([(256, 4, 2), (4096, 8, 3), (65536, 8, 3)] if wants("W1") else []):
    ms, runs = median_ms(propel_step(B, I, n), runs=7 if B >= 65536 else 21)
    report("W1.propel.pytorch", {**params_common, "B": B, "I": I, "n": n, "dtype": "float32"}, ms, runs)

def mlp_step(B, H):
    model = torch.nn.Sequential(torch.nn.Linear(2, H), torch.nn.Tanh(), torch.nn.Linear(H, H), torch.nn.Tanh(), torch.nn.Linear(H, 16))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(B, 2), torch.randn(B, 2)

    def step():
        opt.zero_grad()
        loss = propel(model(x).reshape(B, 4, 4), y, 0.1)
        loss.backward()
        opt.step()
        return loss.item()
    return step


if wants("W2"):
    step = mlp_step(256, 64)
    times = []
    for i in range(500):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    kept = sorted(times[20:])
    report("W2.train.pytorch", {**params_common, "steps": "21..500 of 500"}, kept[len(kept) // 2], len(kept))

if wants("W3"):
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    ms, runs = median_ms(lambda: a @ b, warmup=5, runs=31)
    report("W3.matmul.pytorch", {**params_common, "M": 512, "dtype": "float32"}, ms, runs)


def gflops(flops, ms):
    return round(flops / (ms * 1e6), 2)


# the scale rows at torch's default thread count and on every core (as bench/scale.ts runs one thread and
# every core): on a small VM torch's default may be one thread, and more threads are not always faster
default_threads = torch.get_num_threads()
for threads in sorted({default_threads, os.cpu_count() or 1}):
    torch.set_num_threads(threads)
    scale_common = {**params_common, "threads": threads, "default_threads": default_threads}
    if wants("scale.matmul"):
        for n in [128, 256, 512, 1024, 2048]:
            a, b = torch.rand(n, n), torch.rand(n, n)
            ms, runs = median_ms(lambda: a @ b, warmup=1 if n >= 1024 else 3, runs=3 if n >= 2048 else 5 if n >= 1024 else 11)
            report("scale.matmul.pytorch", {**scale_common, "n": n, "dtype": "float32", "gflops": gflops(2 * n ** 3, ms)}, ms, runs)

    if wants("scale.mlp"):
        for B, H in [(256, 64), (256, 256), (1024, 256), (1024, 1024)]:
            big = B * H * H >= 1e8
            ms, runs = median_ms(mlp_step(B, H), warmup=3 if big else 10, runs=9 if big else 41)
            flops = 6 * B * (2 * H + H * H + H * 16)
            report("scale.mlp.pytorch", {**scale_common, "B": B, "H": H, "layers": f"2-{H}-{H}-16", "gflops": gflops(flops, ms)}, ms, runs)

    if wants("scale.propel"):
        for B, I, n in [(4096, 8, 3), (65536, 8, 3)]:
            ms, runs = median_ms(propel_step(B, I, n), runs=9 if B >= 65536 else 21)
            report("scale.propel.pytorch", {**scale_common, "B": B, "I": I, "n": n, "dtype": "float32", "reduction": "mean"}, ms, runs)

    if wants("scale.reduce"):
        x = torch.rand(4096, 1024)
        for op, f in [("sum", lambda: x.sum()), ("sum axis 0", lambda: x.sum(0)), ("sum axis 1", lambda: x.sum(1)),
                      ("max axis 1", lambda: x.max(1).values), ("logsumexp axis 1", lambda: torch.logsumexp(x, 1))]:
            ms, runs = median_ms(f, runs=21)
            gbs = round(x.numel() * 4 / (ms * 1e6), 2)
            report("scale.reduce.pytorch", {**scale_common, "op": op, "shape": "4096x1024", "dtype": "float32", "gbs": gbs}, ms, runs)

    if wants("scale.elementwise"):
        x, y = torch.rand(4096, 1024), torch.rand(4096, 1024)
        for op, f in [("add", lambda: x + y), ("mul", lambda: x * y), ("tanh", lambda: torch.tanh(x)), ("exp", lambda: torch.exp(x))]:
            ms, runs = median_ms(f, runs=21)
            report("scale.elementwise.pytorch", {**scale_common, "op": op, "shape": "4096x1024", "dtype": "float32"}, ms, runs)
torch.set_num_threads(default_threads)
