import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '@securepay/demo';

export interface Bar {
  label: string;
  ours: number;
  paper?: number;
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const colours = ['#1f6fb2', '#d9822b', '#3a9a5b', '#a23b72', '#6b6b6b'];

/** Horizontal bars, ours beside the paper's where the paper has a figure. */
export function barChartSvg(title: string, unit: string, bars: Bar[]): string {
  const width = 900;
  const rowH = 46;
  const left = 230;
  const height = 70 + bars.length * rowH + 30;
  const max = Math.max(...bars.flatMap((b) => [b.ours, b.paper ?? 0])) * 1.15;
  const x = (v: number): number => left + (v / max) * (width - left - 40);
  const rows = bars.map((b, i) => {
    const y = 60 + i * rowH;
    const ours = `<rect x="${left}" y="${y}" width="${x(b.ours) - left}" height="16" fill="${colours[0]}"/><text x="${x(b.ours) + 6}" y="${y + 13}" font-size="13">${b.ours.toFixed(1)}</text>`;
    const paper =
      b.paper === undefined
        ? ''
        : `<rect x="${left}" y="${y + 19}" width="${x(b.paper) - left}" height="16" fill="${colours[1]}"/><text x="${x(b.paper) + 6}" y="${y + 32}" font-size="13">${b.paper.toFixed(1)}</text>`;
    return `<text x="${left - 10}" y="${y + 22}" font-size="14" text-anchor="end">${esc(b.label)}</text>${ours}${paper}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="20" y="28" font-size="18" font-weight="bold">${esc(title)}</text>
  <rect x="${width - 330}" y="14" width="14" height="14" fill="${colours[0]}"/><text x="${width - 310}" y="26" font-size="13">ours (2 cores, all on one machine)</text>
  <rect x="${width - 330}" y="34" width="14" height="14" fill="${colours[1]}"/><text x="${width - 310}" y="46" font-size="13">SecurePay paper</text>
  ${rows.join('\n  ')}
  <text x="${left}" y="${height - 8}" font-size="12" fill="#555">${esc(unit)}</text>
</svg>`;
}

/**
 * Lines of y against x, one per series. `log` (block sizes, which double) spaces x logarithmically
 * and sorts each line by x; `linear` keeps each line in the order given, so a throughput–latency
 * curve can bend back where more load brings less goodput.
 */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: Series[], xScale: 'log' | 'linear' = 'log'): string {
  const width = 900;
  const height = 420;
  const [l, r, t, b] = [80, 200, 50, 60];
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys) * 1.15 || 1;
  // Block sizes double: a log axis spaces them evenly.
  const scale = xScale === 'log' ? Math.log : (v: number): number => v;
  const [x0, x1] = xScale === 'log' ? [xMin, xMax] : [0, xMax * 1.1];
  const px = (v: number): number =>
    x1 === x0 ? (l + width - r) / 2 : l + ((scale(v) - scale(x0)) / (scale(x1) - scale(x0))) * (width - l - r);
  const py = (v: number): number => height - b - (v / yMax) * (height - t - b);
  const lines = series.map((s, i) => {
    const c = colours[i % colours.length]!;
    const pts = xScale === 'log' ? [...s.points].sort((a, z) => a.x - z.x) : s.points;
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    const dots = pts
      .map(
        (p) =>
          `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${c}"/><text x="${px(p.x) + 5}" y="${py(p.y) - 7}" font-size="11">${p.y < 10 ? p.y.toFixed(1) : p.y.toFixed(0)}</text>`,
      )
      .join('');
    return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>${dots}<rect x="${width - r + 20}" y="${t + i * 22}" width="14" height="14" fill="${c}"/><text x="${width - r + 40}" y="${t + 12 + i * 22}" font-size="13">${esc(s.name)}</text>`;
  });
  const tickValues = xScale === 'log' ? [...new Set(xs)] : Array.from({ length: 6 }, (_, i) => Math.round((x1 * i) / 5));
  const ticks = tickValues.map(
    (v) => `<text x="${px(v)}" y="${height - b + 20}" font-size="12" text-anchor="middle">${Number(v.toPrecision(3))}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="20" y="28" font-size="18" font-weight="bold">${esc(title)}</text>
  <line x1="${l}" y1="${height - b}" x2="${width - r}" y2="${height - b}" stroke="#333"/><line x1="${l}" y1="${t}" x2="${l}" y2="${height - b}" stroke="#333"/>
  ${ticks.join('')}
  <text x="${(l + width - r) / 2}" y="${height - 15}" font-size="13" text-anchor="middle">${esc(xLabel)}</text>
  <text x="20" y="${(t + height - b) / 2}" font-size="13" transform="rotate(-90 20 ${(t + height - b) / 2})" text-anchor="middle">${esc(yLabel)}</text>
  ${lines.join('\n  ')}
</svg>`;
}

/** Writes each chart as SVG and renders it to PNG in headless Chromium. */
export async function renderCharts(dir: string, charts: Record<string, string>): Promise<string[]> {
  // The SVGs first: they need no browser, so a machine without Chromium still gets its charts.
  for (const [name, svg] of Object.entries(charts)) writeFileSync(path.join(dir, `${name}.svg`), svg);
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    for (const [name, svg] of Object.entries(charts)) {
      const page = await browser.newPage();
      await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
      const pngFile = path.join(dir, `${name}.png`);
      await page.locator('svg').screenshot({ path: pngFile });
      await page.close();
      written.push(pngFile);
    }
  } finally {
    await browser.close();
  }
  return written;
}
