"""The PROPEL loss in PyTorch, in the stable log form (log-sum-exp over the T1 and T2 terms), float32, mean
reduction: the loss both PyTorch benchmark scripts time (reference.py on the CPU, device.py on CUDA). Every
tensor it makes is on the inputs' device.
"""
import math
import torch


def propel(output, target, sigma):
    B, I, two_n = output.shape
    n = two_n // 2
    mu, s = output[..., :n], output[..., n:]
    v = s * s
    vg = sigma * sigma
    S = v + vg
    a = -((target[:, None, :] - mu) ** 2 / (2 * S)).sum(-1) - 0.5 * n * math.log(2 * math.pi) - 0.5 * torch.log(S).sum(-1)
    log_t1 = math.log(2 / I) + torch.logsumexp(a, 1)
    c0 = torch.full((B, 1), -n * math.log(2 * math.sqrt(math.pi)) - 0.5 * n * math.log(vg), dtype=output.dtype, device=output.device)
    c_self = -2 * math.log(I) - n * math.log(2 * math.sqrt(math.pi)) - 0.5 * torch.log(v).sum(-1)
    terms = [c0, c_self]
    if I > 1:
        iu = torch.triu_indices(I, I, 1, device=output.device)
        Sp = v[:, :, None, :] + v[:, None, :, :]
        dp = mu[:, :, None, :] - mu[:, None, :, :]
        g = -(dp ** 2 / (2 * Sp)).sum(-1) - 0.5 * n * math.log(2 * math.pi) - 0.5 * torch.log(Sp).sum(-1)
        terms.append(math.log(2 / (I * I)) + g[:, iu[0], iu[1]])
    log_t2 = torch.logsumexp(torch.cat(terms, 1), 1)
    return ((log_t2 - log_t1) / math.log(10)).mean()
