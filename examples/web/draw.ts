// Canvas drawing for the playground: the data with the PROPEL mixture, the mixture NLL network's component
// means and the MSE fit, and the loss curves.
import type { Dataset, Snapshot } from './train';

export const COMPONENT_COLORS = ['#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const DATA_COLOR = '#1f77b4';
const MSE_COLOR = '#111';
const NLL_COLOR = '#555';
/** The NLL means' dash: short and thin, unlike MSE's long thick one. */
const NLL_DASH = [3, 3];
const AXIS_COLOR = '#9aa3ad';
const GRID_COLOR = '#eceff3';
const TEXT_COLOR = '#3c4550';
const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif';

/** A 2-D context sized to the canvas's CSS box at the device pixel ratio; returns it with the CSS size. */
function context(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
  sx: (x: number) => number;
  sy: (y: number) => number;
}

function frame(w: number, h: number, pad: { l: number; r: number; t: number; b: number }, xr: [number, number], yr: [number, number]): Frame {
  const left = pad.l, right = w - pad.r, top = pad.t, bottom = h - pad.b;
  return {
    left, right, top, bottom,
    sx: (x) => left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (right - left),
    sy: (y) => bottom - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * (bottom - top),
  };
}

function axes(ctx: CanvasRenderingContext2D, f: Frame, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string): void {
  ctx.save();
  ctx.lineWidth = 1;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const x of ticks(xr[0], xr[1], 8)) {
    const px = Math.round(f.sx(x)) + 0.5;
    ctx.strokeStyle = GRID_COLOR;
    ctx.beginPath(); ctx.moveTo(px, f.top); ctx.lineTo(px, f.bottom); ctx.stroke();
    ctx.fillText(fmt(x), px, f.bottom + 5);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const y of ticks(yr[0], yr[1], 5)) {
    const py = Math.round(f.sy(y)) + 0.5;
    ctx.strokeStyle = GRID_COLOR;
    ctx.beginPath(); ctx.moveTo(f.left, py); ctx.lineTo(f.right, py); ctx.stroke();
    ctx.fillText(fmt(y), f.left - 6, py);
  }
  ctx.strokeStyle = AXIS_COLOR;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.right - f.left, f.bottom - f.top);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(xLabel, (f.left + f.right) / 2, f.bottom + 34);
  ctx.translate(f.left - 40, (f.top + f.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'bottom';
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
}

function clip(ctx: CanvasRenderingContext2D, f: Frame): void {
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.right - f.left, f.bottom - f.top);
  ctx.clip();
}

type LegendItem = { label: string; color: string; kind: 'line' | 'dot' | 'thick' | 'dashed' };

/** Lay legend items out in rows from `left` to `right`; returns each item's position and the rows used. */
function legendLayout(ctx: CanvasRenderingContext2D, left: number, right: number, items: LegendItem[]): { at: [number, number][]; rows: number } {
  const at: [number, number][] = [];
  let x = left, row = 0;
  for (const it of items) {
    const width = 30 + ctx.measureText(it.label).width + 18;
    if (x > left && x + width > right) { x = left; row++; }
    at.push([x, row]);
    x += width;
  }
  return { at, rows: items.length ? row + 1 : 0 };
}

function legend(ctx: CanvasRenderingContext2D, top: number, layout: { at: [number, number][] }, items: LegendItem[]): void {
  ctx.save();
  items.forEach((it, i) => {
    const [x, row] = layout.at[i]!;
    const cy = top + row * 18 + 9;
    ctx.strokeStyle = it.color;
    ctx.fillStyle = it.color;
    if (it.kind === 'dot') {
      ctx.globalAlpha = 0.6;
      ctx.beginPath(); ctx.arc(x + 12, cy, 3.2, 0, 2 * Math.PI); ctx.fill();
      ctx.globalAlpha = 1;
    } else {
      if (it.kind === 'thick') ctx.setLineDash([6, 4]);
      if (it.kind === 'dashed') ctx.setLineDash(NLL_DASH);
      ctx.lineWidth = it.kind === 'thick' ? 3 : it.kind === 'dashed' ? 1.8 : 2.2;
      ctx.beginPath(); ctx.moveTo(x + 2, cy); ctx.lineTo(x + 24, cy); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = TEXT_COLOR;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(it.label, x + 30, cy);
  });
  ctx.restore();
}

/** The held-out data, each PROPEL component's mean ± one standard deviation, the NLL network's component means, and the MSE fit. */
export function drawMixture(canvas: HTMLCanvasElement, data: Dataset | null, snap: Snapshot | null): void {
  const { ctx, w, h } = context(canvas);
  const xr: [number, number] = [-1, 1];
  const yr: [number, number] = [-1.25, 1.25];
  const I = snap?.I ?? 0;
  const items: LegendItem[] = [
    { label: 'held-out data', color: DATA_COLOR, kind: 'dot' },
    ...Array.from({ length: I }, (_, k) => ({ label: `PROPEL component ${k + 1}: mean ± sd`, color: COMPONENT_COLORS[k % COMPONENT_COLORS.length]!, kind: 'line' as const })),
    ...(snap ? [{ label: 'mixture NLL: component means', color: NLL_COLOR, kind: 'dashed' as const }, { label: 'MSE fit', color: MSE_COLOR, kind: 'thick' as const }] : []),
  ];
  const layout = legendLayout(ctx, 52, w - 14, items);
  const f = frame(w, h, { l: 52, r: 14, t: 14 + 18 * layout.rows, b: 44 }, xr, yr);
  legend(ctx, 4, layout, items);
  axes(ctx, f, xr, yr, 'x', 'y');
  ctx.save();
  clip(ctx, f);
  if (data) {
    ctx.fillStyle = DATA_COLOR;
    ctx.globalAlpha = 0.33;
    for (let i = 0; i < data.x.length; i++) {
      ctx.beginPath();
      ctx.arc(f.sx(data.x[i]!), f.sy(data.y[i]!), 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  if (snap) {
    const { grid, I, mu, sd } = snap;
    for (let k = 0; k < I; k++) {
      const color = COMPONENT_COLORS[k % COMPONENT_COLORS.length]!;
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.16;
      ctx.beginPath();
      grid.forEach((x, g) => ctx.lineTo(f.sx(x), f.sy(mu[g * I + k]! + sd[g * I + k]!)));
      for (let g = grid.length - 1; g >= 0; g--) ctx.lineTo(f.sx(grid[g]!), f.sy(mu[g * I + k]! - sd[g * I + k]!));
      ctx.closePath();
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2.2;
      ctx.beginPath();
      grid.forEach((x, g) => ctx.lineTo(f.sx(x), f.sy(mu[g * I + k]!)));
      ctx.stroke();
    }
    ctx.strokeStyle = NLL_COLOR;
    ctx.lineWidth = 1.8;
    ctx.setLineDash(NLL_DASH);
    for (let k = 0; k < I; k++) {
      ctx.beginPath();
      grid.forEach((x, g) => ctx.lineTo(f.sx(x), f.sy(snap.nllMu[g * I + k]!)));
      ctx.stroke();
    }
    ctx.strokeStyle = MSE_COLOR;
    ctx.lineWidth = 3;
    ctx.setLineDash([8, 5]);
    ctx.beginPath();
    grid.forEach((x, g) => ctx.lineTo(f.sx(x), f.sy(snap.mse[g]!)));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
}

/** A trailing moving average (window grows with the run, up to 25 steps): the trend of a noisy minibatch loss. */
function smooth(xs: readonly number[]): number[] {
  const window = Math.min(25, Math.max(1, Math.round(xs.length / 40)));
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    if (i >= window) s -= xs[i - window]!;
    out.push(s / Math.min(i + 1, window));
  }
  return out;
}

function curve(ctx: CanvasRenderingContext2D, f: Frame, ys: readonly number[], stride: number, color: string, width: number, alpha: number): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.globalAlpha = alpha;
  ctx.beginPath();
  for (let i = 0; i < ys.length; i += stride) ctx.lineTo(f.sx(i + 1), f.sy(ys[i]!));
  if ((ys.length - 1) % stride !== 0) ctx.lineTo(f.sx(ys.length), f.sy(ys[ys.length - 1]!));
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function range(xs: readonly number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const x of xs) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = 0.06 * (hi - lo || Math.abs(hi) || 1);
  return [lo - pad, hi + pad];
}

/** One loss curve (raw minibatch values faint, their moving average bold) against the step. */
export function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[], totalSteps: number, color: string, label: string): void {
  const { ctx, w, h } = context(canvas);
  const xr: [number, number] = [1, Math.max(totalSteps, losses.length, 2)];
  const yr = range(losses);
  const f = frame(w, h, { l: 52, r: 12, t: 10, b: 44 }, xr, yr);
  axes(ctx, f, xr, yr, 'step', label);
  if (losses.length === 0) return;
  ctx.save();
  clip(ctx, f);
  const stride = Math.max(1, Math.floor(losses.length / (f.right - f.left)));
  curve(ctx, f, losses, stride, color, 1, 0.3);
  curve(ctx, f, smooth(losses), stride, color, 2.2, 1);
  ctx.restore();
}
