"""The rows of bench/device.ts in PyTorch on CUDA, for a same-machine comparison (bench/device.sh runs it
when `python3 -c 'import torch'` works):

    python3 bench/pytorch/device.py [--quick] [--device cuda|cpu] [--only PREFIX[,PREFIX]]

W1.propel.pytorch (PROPEL forward + backward, float32, mean reduction, at (B, I, n) = (65536, 8, 3)),
W3.matmul.pytorch (N x N float32 at N = 1024 and 4096) and scale.mlp.pytorch (one Adam training step of the
2-1024-1024-16 tanh MLP with PROPEL, B = 1024). Each timed call ends with torch.cuda.synchronize(), so the
queued kernels are inside the measurement, as the one-element readback is in bench/device.ts. `--quick`:
bench/device.ts's quick sizes. `--device cpu` only proves the script on a machine without CUDA; by default
it needs CUDA and says so when there is none. Prints JSON lines like `npm run bench`.

The loss is bench/pytorch/propel_loss.py's, which reference.py times too.
"""
import json, sys, time
import torch

from propel_loss import propel

ARGS = sys.argv[1:]


def option(name, default):
    for i, arg in enumerate(ARGS):
        if arg == f"--{name}" and i + 1 < len(ARGS):
            return ARGS[i + 1]
        if arg.startswith(f"--{name}="):
            return arg[len(name) + 3:]
    return default


QUICK = "--quick" in ARGS
DEVICE = option("device", "cuda")
ONLY = [p for p in option("only", "").split(",") if p]

# bench/device.ts's FULL_SIZES and QUICK_SIZES
SIZES = ({"w1": [(4096, 8, 3)], "matmul": [256, 512], "mlp": [(256, 64)]} if QUICK
         else {"w1": [(65536, 8, 3)], "matmul": [1024, 4096], "mlp": [(1024, 1024)]})


def wants(workload):
    return not ONLY or any(workload.startswith(p) or p.startswith(workload) for p in ONLY)


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def median_ms(fn, warmup, runs, budget_ms=20000):
    """bench/harness.ts's measure: `warmup` untimed calls, then up to `runs` timed ones (at least 3 within the budget)."""
    if QUICK:
        warmup, runs = 1, 3
    for _ in range(warmup):
        fn()
        sync()
    times = []
    start = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
        if len(times) >= 3 and (time.perf_counter() - start) * 1000 > budget_ms:
            break
    times.sort()
    mid = len(times) // 2
    return (times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2), len(times)


def report(workload, params, ms, runs):
    print(json.dumps({"workload": workload, "params": params, "median_ms": round(ms, 4), "runs": runs}), flush=True)


def gflops(flops, ms):
    return round(flops / (ms * 1e6), 2)


def main():
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print(f"bench/pytorch/device.py: PyTorch {torch.__version__} has no CUDA device here (--device cpu proves the script without one)", file=sys.stderr)
        return 1
    dev = torch.device(DEVICE)
    common = {"impl": "pytorch", "torch": torch.__version__, "device": DEVICE, "dtype": "float32"}
    if DEVICE == "cuda":
        # float32 products, not TF32 (PyTorch's default since 1.12; said here, since it changes matmul 3x)
        common.update(gpu=torch.cuda.get_device_name(dev), tf32=torch.backends.cuda.matmul.allow_tf32)
    torch.manual_seed(0)

    for B, I, n in (SIZES["w1"] if wants("W1.propel.pytorch") else []):
        out = torch.cat([torch.randn(B, I, n), 0.2 + torch.rand(B, I, n)], -1).to(dev).requires_grad_()
        tgt = torch.randn(B, n).to(dev)

        def step():
            out.grad = None
            propel(out, tgt, 0.1).backward()

        ms, runs = median_ms(step, warmup=2, runs=11)
        report("W1.propel.pytorch", {**common, "B": B, "I": I, "n": n, "reduction": "mean"}, ms, runs)

    for n in (SIZES["matmul"] if wants("W3.matmul.pytorch") else []):
        a, b = torch.rand(n, n, device=dev), torch.rand(n, n, device=dev)
        big = n >= 4096
        ms, runs = median_ms(lambda: a @ b, warmup=1 if big else 2, runs=5 if big else 11)
        report("W3.matmul.pytorch", {**common, "m": n, "k": n, "n": n, "gflops": gflops(2 * n ** 3, ms)}, ms, runs)

    for B, H in (SIZES["mlp"] if wants("scale.mlp.pytorch") else []):
        model = torch.nn.Sequential(torch.nn.Linear(2, H), torch.nn.Tanh(), torch.nn.Linear(H, H), torch.nn.Tanh(), torch.nn.Linear(H, 16)).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(B, 2, device=dev), torch.randn(B, 2, device=dev)

        def step():
            opt.zero_grad()
            loss = propel(model(x).reshape(B, 4, 4), y, 0.1)
            loss.backward()
            opt.step()
            return loss.item()  # the loss read back, as bench/device.ts's step does

        ms, runs = median_ms(step, warmup=3, runs=11)
        flops = 6 * B * (2 * H + H * H + H * 16)
        report("scale.mlp.pytorch", {**common, "B": B, "H": H, "layers": f"2-{H}-{H}-16", "gflops": gflops(flops, ms)}, ms, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
