// The MesoSim viewer: one page per run, opened from file:// with no server. It reads the JSON that
// `mesosim view` embeds (viz/viewer_page.hpp; layout in viz/web/README.md) and shows, for the
// chosen snapshot and component, an x-z section through an injection and a top view at a depth
// (both on a 2-D canvas, interpolated between cell centres unless "cells" is ticked), a 3-D view
// through vtk.js (isosurface at the therapeutic threshold or volume rendering, skin surface,
// needles, the bleb of a darcy run) and the where-did-it-go plot linked to the time slider.
import { decodeField, decodeExcess } from './data.js';
import { drawSlice, makeColourScale } from './slices.js';
import { drawWhereItWent, plotTimeAt } from './plot.js';
import { createView3d } from './view3d.js';

const data = JSON.parse(document.getElementById('mesosim-data').textContent);
const $ = (id) => document.getElementById(id);
const state = {
  snapshot: 0,
  component: data.initial_component,
  log: true,
  cells: false,
  through: 0,
  depth: data.injections.length ? data.injections[0].depth : 0.5 * data.grid.depth,
  mode3d: 'iso',
  playing: false,
};
const hooks = { ready: false, frames: 0, errors: [] };
window.mesosimViewer = { state, hooks, data };
/// The largest decoded value of component c at snapshot n (tests compare it with data's peaks).
hooks.decodedMax = async (c, n) => (await decodeField(data, c, n)).reduce((a, b) => Math.max(a, b), 0);
window.addEventListener('error', (event) => hooks.errors.push(String(event.message)));

function setUp() {
  $('title').textContent = `MesoSim: ${data.scenario}`;
  document.title = `MesoSim viewer: ${data.scenario}`;
  const slider = $('time');
  slider.max = String(data.snapshots.length - 1);
  data.components.forEach((c, n) => $('component').add(new Option(c.name, String(n))));
  $('component').value = String(state.component);
  data.injections.forEach((p, n) =>
    $('through').add(new Option(`injection ${n + 1} (${(p.x * 1e3).toFixed(1)}, ${(p.y * 1e3).toFixed(1)} mm)`, String(n))));
  if (!data.injections.length) $('section-panel').hidden = true;
  $('depth').value = String(Math.round((1000 * state.depth) / data.grid.depth));
  const g = data.source_grid;
  $('footer').textContent =
    `${data.snapshots.length} snapshots, ${data.components.length} components; grid ${g.nx} x ${g.ny} x ${g.nz} cells of ` +
    `${(g.hx * 1e6).toFixed(0)} x ${(g.hy * 1e6).toFixed(0)} x ${(g.hz * 1e6).toFixed(0)} um` +
    (data.grid.nx !== g.nx || data.grid.nz !== g.nz ? `, shown as ${data.grid.nx} x ${data.grid.ny} x ${data.grid.nz} block averages` : '') +
    `. Colours: viridis on a fixed range per component (its peak over the run). Made by mesosim view.`;

  slider.addEventListener('input', () => show({ snapshot: Number(slider.value) }));
  $('component').addEventListener('change', (e) => show({ component: Number(e.target.value) }));
  $('log').addEventListener('change', (e) => show({ log: e.target.checked }));
  $('cells').addEventListener('change', (e) => show({ cells: e.target.checked }));
  $('through').addEventListener('change', (e) => show({ through: Number(e.target.value) }));
  $('depth').addEventListener('input', (e) => show({ depth: (Number(e.target.value) / 1000) * data.grid.depth }));
  $('mode3d').addEventListener('change', (e) => show({ mode3d: e.target.value }));
  $('play').addEventListener('click', togglePlay);
  document.addEventListener('keydown', (e) => {
    if (e.key === ' ' && e.target === document.body) {
      e.preventDefault();
      togglePlay();
    }
  });
  $('plot').addEventListener('click', (e) => {
    const rect = e.target.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * e.target.width;
    const t = plotTimeAt(data, x, e.target.width);
    if (t === null) return;
    let best = 0;
    data.snapshots.forEach((s, n) => {
      if (Math.abs(s.time_s - t) < Math.abs(data.snapshots[best].time_s - t)) best = n;
    });
    show({ snapshot: best });
  });
}

let timer = null;
function togglePlay() {
  state.playing = !state.playing;
  $('play').innerHTML = state.playing ? '&#10074;&#10074; Pause' : '&#9654; Play';
  if (state.playing) {
    const step = () => {
      if (!state.playing) return;
      show({ snapshot: (state.snapshot + 1) % data.snapshots.length }).then(() => {
        if (state.playing) timer = setTimeout(step, 600);
      });
    };
    step();
  } else if (timer) {
    clearTimeout(timer);
  }
}

/// Injections given by the time of the shown snapshot.
function givenInjections() {
  const t = data.snapshots[state.snapshot].time_s;
  return data.injections.map((p, n) => ({ ...p, number: n + 1 })).filter((p) => p.time <= t + 1e-6);
}

let view3d = null;
let drawing = Promise.resolve();
let pending = null;

/// Applies `change` to the state and redraws every panel (one redraw at a time; the latest wins).
function show(change) {
  Object.assign(state, change);
  $('time').value = String(state.snapshot);
  $('time-label').textContent = data.snapshots[state.snapshot].label;
  const request = { ...state };
  pending = request;
  drawing = drawing.then(async () => {
    if (pending !== request) return;
    try {
      await redraw(request);
    } catch (error) {
      hooks.errors.push(String(error && error.stack ? error.stack : error));
      console.error(error);
    }
  });
  return drawing;
}

async function redraw(s) {
  const component = data.components[s.component];
  const field = await decodeField(data, s.component, s.snapshot);
  const scale = makeColourScale(component.peak, s.log);
  const injections = givenInjections();
  const common = { data, field, scale, sampling: s.cells ? 'cells' : 'smooth', injections, component };
  if (data.injections.length) drawSlice($('section'), { ...common, view: 'section', through: data.injections[s.through] });
  drawSlice($('top'), { ...common, view: 'top', depth: s.depth });
  $('depth-label').textContent = `${(s.depth * 1e3).toFixed(2)} mm (${layerAt(s.depth)})`;
  drawWhereItWent($('plot'), data, s.component, data.snapshots[s.snapshot].time_s);
  const excess = data.excess ? await decodeExcess(data, s.snapshot) : null;
  if (view3d === null) {
    try {
      if (!document.createElement('canvas').getContext('webgl2')) throw new Error('no WebGL 2 context');
      view3d = createView3d($('view3d'), data);
      hooks.colours3d = () => view3d.colours();
    } catch (error) {
      // No WebGL 2 (an old graphics driver, a locked-down browser): every other panel still works.
      view3d = false;
      hooks.colours3d = () => 0;
      $('view3d').textContent = `The 3-D view needs WebGL 2, which this browser does not offer (${error.message || error}).`;
      $('view3d').classList.add('unavailable');
      $('mode3d').disabled = true;
    }
  }
  $('note3d').textContent = view3d ? view3d.update({ field, excess, scale, component, mode: s.mode3d, injections }) : '';
  hooks.frames += 1;
  document.body.dataset.shown = `${s.snapshot}:${s.component}:${s.log ? 'log' : 'linear'}:${s.cells ? 'cells' : 'smooth'}`;
  // Decode the next snapshot while the reader looks at this one.
  if (s.snapshot + 1 < data.snapshots.length) decodeField(data, s.component, s.snapshot + 1).catch(() => {});
}

function layerAt(depth) {
  let name = data.layers.length ? data.layers[0].name : '';
  for (const layer of data.layers) if (depth >= layer.top_m) name = layer.name;
  return name;
}

setUp();
// Redraw the canvases' colour bars etc. at the same state when the window changes size.
window.addEventListener('resize', () => show({}));
show({}).then(() => {
  hooks.ready = true;
  document.body.dataset.ready = 'true';
});
