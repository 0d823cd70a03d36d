// Layer: tensor. PyTorch-like printing of tensors. Imports only types from tensor.ts.
import type { Tensor } from './tensor';

const EDGE = 3;
const SUMMARIZE_ABOVE = 1000;

/** Render like PyTorch: `tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], dtype=float64)`. */
export function formatTensor(t: Tensor): string {
  if (t.storage.syncReadable === false) {
    return `tensor(<${t.size} values on the device: read with await t.data()>, shape=[${t.shape.join(', ')}], device='gpu')`;
  }
  const flat = t.toTypedArray();
  const summarize = t.size > SUMMARIZE_ABOVE;
  const finite = Array.from(flat).filter((v) => Number.isFinite(v));
  const allInt = finite.every((v) => Number.isInteger(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Infinity);
  // PyTorch's rules (torch/_tensor_str.py): integers print as `1.` unless the nonzero magnitudes span more
  // than 1000× or exceed 1e8 (`tensor([1e16, 1])` is `[1.0000e+16, 1.0000e+00]`, not 17 digits of float32
  // rounding); other values go scientific also below 1e-4
  const spread = maxAbs / minAbs > 1000;
  const sci = allInt ? spread || maxAbs > 1e8 : maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || spread;
  const fmt = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    // PyTorch writes at least two exponent digits: 1.0000e-05, 1.0000e+00
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`);
    return allInt ? `${v}.` : v.toFixed(4);
  };
  const strs = Array.from(flat, fmt);
  // as PyTorch, the column width comes from the finite values; nan/inf are not padded to or counted in it
  const width = strs.reduce((w, s, i) => (Number.isFinite(flat[i]!) ? Math.max(w, s.length) : w), 0);
  const pad = (s: string) => s.padStart(width);
  const indent = 'tensor('.length;
  const rec = (dim: number, base: number): string => {
    if (t.ndim === 0) return pad(strs[0]!);
    const n = t.shape[dim]!;
    const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    if (dim === t.ndim - 1) {
      return `[${idx.map((i) => (i < 0 ? '...' : pad(strs[base + i]!))).join(', ')}]`;
    }
    const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${idx.map((i) => (i < 0 ? '...' : rec(dim + 1, base + i * inner))).join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.size === 0 && t.ndim !== 1) extras.push(`size=(${t.shape.join(', ')})`); // PyTorch: tensor([]) for shape [0]
  if (t.dtype === 'float64') extras.push('dtype=float64');
  if (t.device === 'gpu') extras.push("device='gpu'");
  const body = t.size === 0 ? '[]' : rec(0, 0);
  return `tensor(${body}${extras.map((e) => ', ' + e).join('')})`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
