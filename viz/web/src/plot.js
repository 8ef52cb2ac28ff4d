// The where-did-it-go plot: % of the injected amount of one component in the tissue, gone to the
// blood and to the lymph (degraded and out of the block too when the run has any) at every output
// time, on a time axis stretched at the start (u = ln(1 + t / 10 min)), so the first minutes and
// the last days both read; a vertical line marks the snapshot the slider shows.
import { clearedCanvas, niceTicks } from './slices.js';

const tau = 600;  // s: the time axis is linear well below this, logarithmic well above
const lines = [
  { metric: 'in_tissue', label: 'in tissue', colour: '#1f77b4', width: 3 },
  { metric: 'to_blood', label: 'to blood', colour: '#d62728', width: 2 },
  { metric: 'to_lymph', label: 'to lymph', colour: '#2ca02c', width: 2 },
  { metric: 'degraded', label: 'degraded', colour: '#9467bd', width: 1.5, optional: true },
  { metric: 'out_of_box', label: 'out of the block', colour: '#7f7f7f', width: 1.5, optional: true },
];
const timeTicks = [0, 600, 3600, 6 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 56 * 86400];

function tickLabel(t) {
  if (t === 0) return '0';
  if (t < 3600) return `${t / 60} min`;
  if (t < 86400) return `${t / 3600} h`;
  return `${t / 86400} d`;
}

function layout(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const font = Math.round(12 * dpr);
  const width = Math.max(360, Math.round((canvas.clientWidth || canvas.width) * dpr));
  const height = Math.round(width * 0.5);
  return { dpr, font, width, height, box: { x: 5 * font, y: 1.0 * font, w: width - 6.5 * font, h: height - 7.5 * font } };
}

function axis(data, box) {
  const times = data.series_time_s;
  const end = times.length ? times[times.length - 1] : 1;
  const u = (t) => Math.log1p(Math.max(t, 0) / tau);
  const uEnd = Math.max(u(end), 1e-9);
  return { end, x: (t) => box.x + (u(t) / uEnd) * box.w, t: (x) => tau * Math.expm1(((x - box.x) / box.w) * uEnd) };
}

/// The time (s) under pixel column x of the plot, or null outside the axes.
export function plotTimeAt(data, x, canvasWidth) {
  const canvas = { width: canvasWidth, clientWidth: canvasWidth / (window.devicePixelRatio || 1) };
  const { box } = layout(canvas);
  if (x < box.x - 4 || x > box.x + box.w + 4) return null;
  return axis(data, box).t(Math.min(Math.max(x, box.x), box.x + box.w));
}

export function drawWhereItWent(canvas, data, c, now) {
  const { dpr, font, width, height, box } = layout(canvas);
  const ctx = clearedCanvas(canvas, width, height);
  const component = data.components[c];
  const times = data.series_time_s;
  const a = axis(data, box);
  const y = (fraction) => box.y + box.h - fraction * box.h;
  ctx.font = `${font}px sans-serif`;
  ctx.fillStyle = '#1e1e1e';
  ctx.strokeStyle = '#e3e3e3';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const p of niceTicks(0, 100, 5)) {
    ctx.beginPath();
    ctx.moveTo(box.x, y(p / 100));
    ctx.lineTo(box.x + box.w, y(p / 100));
    ctx.stroke();
    ctx.fillText(`${p}`, box.x - 6, y(p / 100));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of timeTicks.filter((t) => t <= a.end * 1.0001)) {
    const x = a.x(t);
    ctx.beginPath();
    ctx.moveTo(x, box.y);
    ctx.lineTo(x, box.y + box.h);
    ctx.stroke();
    ctx.fillText(tickLabel(t), x, box.y + box.h + 5);
  }
  ctx.fillText('time since the start (stretched at the start)', box.x + box.w / 2, box.y + box.h + 1.7 * font);
  ctx.save();
  ctx.translate(1.3 * font, box.y + box.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`% of injected ${component.name}`, 0, 0);
  ctx.restore();
  ctx.strokeStyle = '#1e1e1e';
  ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.w + 1, box.h + 1);

  const shown = lines.filter((line) => !line.optional || component.series[line.metric].some((v) => v > 0.005));
  for (const line of shown) {
    const values = component.series[line.metric];
    ctx.strokeStyle = line.colour;
    ctx.lineWidth = line.width * dpr;
    ctx.beginPath();
    times.forEach((t, n) => (n ? ctx.lineTo(a.x(t), y(values[n])) : ctx.moveTo(a.x(t), y(values[n]))));
    ctx.stroke();
  }
  // The slider's time, and each line's value there.
  const x = a.x(now);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([4 * dpr, 3 * dpr]);
  ctx.beginPath();
  ctx.moveTo(x, box.y);
  ctx.lineTo(x, box.y + box.h);
  ctx.stroke();
  ctx.setLineDash([]);
  // The legend below the axes, each entry with its value at the slider's time.
  let n = 0;
  while (n + 1 < times.length && times[n + 1] <= now + 1e-6) ++n;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let legendX = box.x;
  let legendY = box.y + box.h + 3.6 * font;
  for (const line of shown) {
    const value = component.series[line.metric][n] ?? 0;
    const text = `${line.label}: ${(100 * value).toFixed(1)} %`;
    const entry = 2.3 * font + ctx.measureText(text).width + 1.5 * font;
    if (legendX + entry > box.x + box.w && legendX > box.x) {
      legendX = box.x;
      legendY += 1.4 * font;
    }
    ctx.fillStyle = line.colour;
    ctx.fillRect(legendX, legendY - dpr, 1.8 * font, 3 * dpr);
    ctx.fillStyle = '#1e1e1e';
    ctx.fillText(text, legendX + 2.3 * font, legendY);
    legendX += entry;
  }
}
