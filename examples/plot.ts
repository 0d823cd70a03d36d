// Example helper: a tiny SVG scatter/line/band plotter for the demos (no library code: examples only).

export interface Series {
  kind: 'points' | 'line' | 'band';
  /** points/line: [x, y] pairs; band: [x, lo, hi] triples. */
  data: number[][];
  color: string;
  label?: string;
  opacity?: number;
  width?: number;
  /** line: an SVG stroke-dasharray, e.g. '6 4' (tells apart lines of one color). */
  dash?: string;
}

export interface PlotOptions {
  title: string;
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  xRange?: [number, number];
  yRange?: [number, number];
}

/** Render series into a standalone SVG document. */
export function svgPlot(series: Series[], o: PlotOptions): string {
  const W = o.width ?? 720, H = o.height ?? 480, L = 60, R = 170, Tm = 40, Bm = 50;
  const xs = series.flatMap((s) => s.data.map((p) => p[0]!));
  const ys = series.flatMap((s) => s.data.flatMap((p) => p.slice(1)));
  const [x0, x1] = o.xRange ?? [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = o.yRange ?? [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => H - Bm - ((y - y0) / (y1 - y0 || 1)) * (H - Tm - Bm);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="15">${escape(o.title)}</text>`,
    `<rect x="${L}" y="${Tm}" width="${W - L - R}" height="${H - Tm - Bm}" fill="none" stroke="#888"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4, yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<text x="${f(sx(xv))}" y="${H - Bm + 16}" text-anchor="middle">${xv.toFixed(2)}</text>`);
    parts.push(`<text x="${L - 6}" y="${f(sy(yv) + 4)}" text-anchor="end">${yv.toFixed(2)}</text>`);
  }
  if (o.xLabel) parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${escape(o.xLabel)}</text>`);
  if (o.yLabel) parts.push(`<text x="16" y="${(Tm + H - Bm) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(Tm + H - Bm) / 2})">${escape(o.yLabel)}</text>`);
  parts.push(`<g clip-path="inset(0)">`);
  for (const s of series) {
    const op = s.opacity ?? 1;
    if (s.kind === 'points') {
      for (const [x, y] of s.data) parts.push(`<circle cx="${f(sx(x!))}" cy="${f(sy(y!))}" r="1.6" fill="${s.color}" fill-opacity="${op}"/>`);
    } else if (s.kind === 'line') {
      const d = s.data.map(([x, y], i) => `${i ? 'L' : 'M'}${f(sx(x!))},${f(sy(y!))}`).join('');
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}" stroke-opacity="${op}"${dash}/>`);
    } else {
      const top = s.data.map(([x, , hi], i) => `${i ? 'L' : 'M'}${f(sx(x!))},${f(sy(hi!))}`).join('');
      const bottom = [...s.data].reverse().map(([x, lo]) => `L${f(sx(x!))},${f(sy(lo!))}`).join('');
      parts.push(`<path d="${top}${bottom}Z" fill="${s.color}" fill-opacity="${op}" stroke="none"/>`);
    }
  }
  parts.push('</g>');
  let ly = Tm + 10;
  for (const s of series) {
    if (!s.label) continue;
    const lx = W - R + 12;
    if (s.kind === 'line' && s.dash) parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 16}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    else parts.push(s.kind === 'points'
      ? `<circle cx="${lx + 8}" cy="${ly}" r="3" fill="${s.color}"/>`
      : `<rect x="${lx}" y="${ly - 5}" width="16" height="10" fill="${s.color}" fill-opacity="${s.kind === 'band' ? Math.max(s.opacity ?? 1, 0.3) : 1}"/>`);
    parts.push(`<text x="${lx + 22}" y="${ly + 4}">${escape(s.label)}</text>`);
    ly += 18;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
