// The 2-D panels on a canvas: the x-z cross-section through an injection (skin surface on top,
// depth downward, layer boundaries dashed and named) and the top view at a depth, each with its
// colour bar in mg/mL, axes in mm and the injection marks. Values are sampled at every pixel:
// bilinear between cell centres (smooth) or each cell's own value (cells), as `mesosim render`.

const ink = '#1e1e1e';

/// Sizes `canvas` to width x height device pixels (only when it changed) and paints it white;
/// returns its 2-D context.
export function clearedCanvas(canvas, width, height) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  return ctx;
}

/// The colour scale of a component: a fixed range, log (4 decades below the peak) or linear.
export function makeColourScale(peak, log) {
  const high = peak > 0 ? peak : 1;
  const low = log ? high * 1e-4 : 0;
  return {
    log,
    low,
    high,
    position(value) {
      if (!(value > low)) return 0;
      if (value >= high) return 1;
      return log ? Math.log10(value / low) / Math.log10(high / low) : (value - low) / (high - low);
    },
    valueAt(p) {
      return log ? low * Math.pow(high / low, p) : low + p * (high - low);
    },
    ticks() {
      if (log) {
        const ticks = [];
        for (let e = Math.ceil(Math.log10(low) - 1e-9); Math.pow(10, e) <= high * (1 + 1e-9); ++e) ticks.push(Math.pow(10, e));
        return ticks;
      }
      return niceTicks(low, high, 5);
    },
  };
}

export function niceTicks(low, high, wanted) {
  const span = high - low;
  if (!(span > 0)) return [low];
  const raw = span / wanted;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || 10 * magnitude;
  const ticks = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + 1e-9 * span; t += step) ticks.push(Math.abs(t) < 1e-12 * span ? 0 : t);
  return ticks;
}

export function formatValue(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/// The two cell planes around `coordinate` (m; centres at (n + 0.5) h) and the second's weight.
function planesAround(coordinate, h, n, sampling) {
  if (sampling === 'cells') {
    const k = Math.min(Math.max(Math.floor(coordinate / h), 0), n - 1);
    return [k, k, 0];
  }
  const f = Math.min(Math.max(coordinate / h - 0.5, 0), n - 1);
  const first = Math.min(Math.floor(f), n - 1);
  return [first, Math.min(first + 1, n - 1), f - first];
}

/// The plane of the view as {nu, nv, hu, hv, values} (row 0 at the top of the picture).
function cut(data, field, spec) {
  const g = data.grid;
  const index = (i, j, k) => (k * g.ny + j) * g.nx + i;
  if (spec.view === 'top') {
    const [k0, k1, w] = planesAround(spec.depth, g.hz, g.nz, spec.sampling);
    const values = new Float32Array(g.nx * g.ny);
    for (let row = 0; row < g.ny; ++row)
      for (let i = 0; i < g.nx; ++i) {
        const j = g.ny - 1 - row;
        values[row * g.nx + i] = (1 - w) * field[index(i, j, k0)] + w * field[index(i, j, k1)];
      }
    return { nu: g.nx, nv: g.ny, hu: g.hx, hv: g.hy, lu: g.length_x, lv: g.length_y, values };
  }
  const [j0, j1, w] = planesAround(spec.through.y, g.hy, g.ny, spec.sampling);
  const values = new Float32Array(g.nx * g.nz);
  for (let k = 0; k < g.nz; ++k)
    for (let i = 0; i < g.nx; ++i) values[k * g.nx + i] = (1 - w) * field[index(i, j0, k)] + w * field[index(i, j1, k)];
  return { nu: g.nx, nv: g.nz, hu: g.hx, hv: g.hz, lu: g.length_x, lv: g.depth, values };
}

function sampler(slice, sampling) {
  const { nu, nv, hu, hv, values } = slice;
  if (sampling === 'cells')
    return (u, v) => values[Math.min(Math.max(Math.floor(v / hv), 0), nv - 1) * nu + Math.min(Math.max(Math.floor(u / hu), 0), nu - 1)];
  return (u, v) => {
    const fu = Math.min(Math.max(u / hu - 0.5, 0), nu - 1);
    const fv = Math.min(Math.max(v / hv - 0.5, 0), nv - 1);
    const u0 = Math.min(Math.floor(fu), nu - 1);
    const v0 = Math.min(Math.floor(fv), nv - 1);
    const u1 = Math.min(u0 + 1, nu - 1);
    const v1 = Math.min(v0 + 1, nv - 1);
    const su = fu - u0;
    const sv = fv - v0;
    return (
      (1 - sv) * ((1 - su) * values[v0 * nu + u0] + su * values[v0 * nu + u1]) +
      sv * ((1 - su) * values[v1 * nu + u0] + su * values[v1 * nu + u1])
    );
  };
}

function colourOf(viridis, p) {
  return viridis[Math.min(255, Math.max(0, Math.round(p * 255)))];
}

/// A vertical colour bar in the box (x, y, w, h) with ticks, labels and the unit above it.
export function drawColourBar(ctx, viridis, scale, box, font) {
  for (let row = 0; row < box.h; ++row) {
    const [r, g, b] = colourOf(viridis, 1 - row / Math.max(box.h - 1, 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(box.x, box.y + row, box.w, 1);
  }
  ctx.strokeStyle = ink;
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.w + 1, box.h + 1);
  ctx.fillStyle = ink;
  ctx.font = `${font}px sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (const t of scale.ticks()) {
    const y = box.y + (1 - scale.position(t)) * (box.h - 1);
    if (scale.log && t < scale.low * (1 - 1e-9)) continue;
    ctx.fillRect(box.x + box.w, y, 4, 1);
    ctx.fillText(formatValue(t), box.x + box.w + 6, y);
  }
  ctx.textBaseline = 'bottom';
  ctx.fillText('mg/mL', box.x - 2, box.y - 6);
  ctx.textBaseline = 'top';
  ctx.fillText(scale.log ? 'log scale' : 'linear', box.x - 2, box.y + box.h + 6);
}

function ring(ctx, x, y, radius) {
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#000';
  ctx.beginPath();
  ctx.arc(x, y, radius + 1, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.strokeStyle = '#fff';
  ctx.beginPath();
  ctx.arc(x, y, radius - 1, 0, 2 * Math.PI);
  ctx.stroke();
}

/// Draws one panel. opts: data, field, scale, sampling, injections (given so far), component,
/// view ('section' with `through`, or 'top' with `depth`).
export function drawSlice(canvas, opts) {
  const { data, field, scale, sampling, view } = opts;
  const slice = cut(data, field, { view, sampling, through: opts.through, depth: opts.depth });
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(360, Math.round((canvas.clientWidth || canvas.width) * dpr));
  const font = Math.round(12 * dpr);
  const margin = { left: 7 * font, right: 8 * font, top: 2.4 * font, bottom: 3.2 * font };
  let plotW = width - margin.left - margin.right;
  let plotH = (plotW * slice.lv) / slice.lu;
  const maxH = (view === 'top' ? 520 : 360) * dpr;
  if (plotH > maxH) {
    plotH = maxH;
    plotW = (plotH * slice.lu) / slice.lv;
  }
  plotW = Math.floor(plotW);
  plotH = Math.max(Math.floor(plotH), 40);
  const height = Math.round(plotH + margin.top + margin.bottom);
  const ctx = clearedCanvas(canvas, width, height);
  const x0 = Math.round(margin.left + (width - margin.left - margin.right - plotW) / 2);
  const y0 = Math.round(margin.top);
  const ppm = plotW / slice.lu;

  // The field, pixel by pixel at pixel centres.
  const image = ctx.createImageData(plotW, plotH);
  const sample = sampler(slice, sampling);
  let highest = 0;
  for (let y = 0; y < plotH; ++y)
    for (let x = 0; x < plotW; ++x) {
      const value = sample((x + 0.5) / ppm, (y + 0.5) / ppm);
      if (value > highest) highest = value;
      const [r, g, b] = colourOf(data.viridis, scale.position(value));
      const p = 4 * (y * plotW + x);
      image.data[p] = r;
      image.data[p + 1] = g;
      image.data[p + 2] = b;
      image.data[p + 3] = 255;
    }
  ctx.putImageData(image, x0, y0);
  ctx.strokeStyle = ink;
  ctx.lineWidth = 1;
  ctx.strokeRect(x0 - 0.5, y0 - 0.5, plotW + 1, plotH + 1);

  ctx.font = `${font}px sans-serif`;
  ctx.fillStyle = ink;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  const where = view === 'top' ? `${(opts.depth * 1e3).toFixed(2)} mm deep` : `y = ${(opts.through.y * 1e3).toFixed(1)} mm`;
  ctx.fillText(`${opts.component.name}, ${where}; highest here ${formatValue(highest)} mg/mL`, x0, 0.5 * font);

  // Axes in mm: x along the bottom; depth (section) or y (top view) on the left.
  const axisTicks = (length) => niceTicks(0, length * 1e3, Math.max(2, Math.round(plotW / (6 * font))));
  ctx.textAlign = 'center';
  for (const t of axisTicks(slice.lu)) {
    const x = x0 + (t / 1e3) * ppm;
    ctx.fillRect(x, y0 + plotH, 1, 4);
    ctx.fillText(formatValue(t), x, y0 + plotH + 6);
  }
  ctx.fillText('x, mm', x0 + plotW / 2, y0 + plotH + 1.6 * font);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const verticalTicks = niceTicks(0, slice.lv * 1e3, Math.max(2, Math.round(plotH / (3 * font))));
  for (const t of verticalTicks) {
    const y = view === 'top' ? y0 + plotH - (t / 1e3) * ppm : y0 + (t / 1e3) * ppm;
    ctx.fillRect(x0 - 4, y, 4, 1);
    ctx.fillText(formatValue(t), x0 - 6, y);
  }
  ctx.save();
  ctx.translate(x0 - 4.5 * font, y0 + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(view === 'top' ? 'y, mm' : 'depth, mm', 0, 0);
  ctx.restore();

  if (view === 'section') {
    // Layer boundaries, dashed, each layer named at its top left.
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.strokeStyle = 'rgba(255,255,255,0.85)';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    data.layers.forEach((layer, n) => {
      const y = y0 + layer.top_m * ppm;
      if (layer.top_m > 0 && layer.top_m < slice.lv) {
        ctx.beginPath();
        ctx.moveTo(x0, y);
        ctx.lineTo(x0 + plotW, y);
        ctx.stroke();
      }
      const next = n + 1 < data.layers.length ? data.layers[n + 1].top_m : slice.lv;
      if ((next - layer.top_m) * ppm >= font * 1.1 && layer.top_m < slice.lv) {
        ctx.fillStyle = 'rgba(0,0,0,0.55)';
        ctx.fillText(layer.name, x0 + 5, y + 2);
        ctx.fillStyle = '#fff';
        ctx.fillText(layer.name, x0 + 4, y + 1);
      }
    });
    ctx.setLineDash([]);
  }
  // Injection marks: the tips given so far (near the section's plane, or all in the top view).
  for (const p of opts.injections) {
    if (view === 'section' && Math.abs(p.y - opts.through.y) > data.grid.hy) continue;
    const x = x0 + p.x * ppm;
    const y = view === 'top' ? y0 + plotH - p.y * ppm : y0 + p.depth * ppm;
    ring(ctx, x, y, 5 * dpr);
  }
  drawColourBar(ctx, data.viridis, scale, { x: x0 + plotW + 2 * font, y: y0 + 1.5 * font, w: 1.2 * font, h: plotH - 3 * font }, font);
}
