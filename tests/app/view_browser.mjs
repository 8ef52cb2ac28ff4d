// Drives the page `mesosim view` wrote in headless Chromium (Debian's, through puppeteer-core; or
// Firefox with --firefox):
// loads it from file://, waits for the first frame, checks there are no console errors or page
// errors, moves the time slider, switches the component and the 3-D mode, takes screenshots and
// checks that they are not blank and that they differ between times. Prints one line per check
// and exits non-zero on any failure.
// With --bleb (a darcy run's page) it checks instead that the 3-D view shows the bleb at the
// second snapshot (the end of the injection), with no errors.
//   node view_browser.mjs NODE_MODULES_DIR PAGE.html OUT_DIR [BROWSER_EXECUTABLE] [--bleb] [--firefox]
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const bleb = process.argv.includes('--bleb');
const firefox = process.argv.includes('--firefox');
const [modules, page, outDir, executable = '/usr/bin/chromium'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const puppeteer = createRequire(join(resolve(modules), 'package.json'))('puppeteer-core');
mkdirSync(outDir, { recursive: true });
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

// Chromium headless with its software WebGL (SwiftShader); Firefox in a window on the caller's X
// display (xvfb-run), where Mesa gives it WebGL 2 (headless Firefox has none here).
const browser = await puppeteer.launch(
  firefox
    ? // The window sets the page size: Firefox ESR 140 (Debian 12 without its updates) has no BiDi
      // command for the screen orientation that a viewport override sends.
      { browser: 'firefox', executablePath: executable, headless: false, defaultViewport: null, args: ['--width=1400', '--height=1000'] }
    : {
        executablePath: executable,
        headless: true,
        args: [
          '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage',
        ],
      },
);
console.log(`browser: ${await browser.version()}`);
const errors = [];
const requests = [];
try {
  const tab = await browser.newPage();
  if (!firefox) await tab.setViewport({ width: 1400, height: 1000 });
  tab.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  let loadFailed;
  const failedLoading = new Promise((_, reject) => (loadFailed = reject));
  failedLoading.catch(() => {});
  tab.on('pageerror', (error) => {
    errors.push(`page: ${error.message}`);
    loadFailed(new Error('the page threw while loading'));
  });
  tab.on('request', (request) => {
    if (!request.url().startsWith('file:') && !request.url().startsWith('data:') && !request.url().startsWith('blob:'))
      requests.push(request.url());
  });
  await tab.goto(pathToFileURL(resolve(page)).href, { waitUntil: 'load' });
  await Promise.race([tab.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 60000 }), failedLoading]);
  const info = await tab.evaluate(() => ({
    snapshots: window.mesosimViewer.data.snapshots.length,
    components: window.mesosimViewer.data.components.map((c) => c.name),
    initial: window.mesosimViewer.state.component,
    label: document.getElementById('time-label').textContent,
    webgl: !!document.querySelector('#view3d canvas')?.getContext('webgl2'),
  }));
  check(info.snapshots >= 3, `page loaded: ${info.snapshots} snapshots, components ${info.components.join(', ')}`);
  check(/^day \d+, \d\d:\d\d$/.test(info.label), `time shown as '${info.label}'`);
  // The decoded fields: the largest value of every snapshot of every component as mesosim wrote
  // it, to the 16-bit log quantisation (0.05 %).
  const worst = await tab.evaluate(async () => {
    const { data, hooks: h } = window.mesosimViewer;
    let worstError = 0;
    for (let c = 0; c < data.components.length; ++c)
      for (let n = 0; n < data.snapshots.length; ++n) {
        const floor = data.components[c].peak * Math.pow(10, -data.decades);  // below it: stored as 0
        const want = data.components[c].peaks[n] >= floor ? data.components[c].peaks[n] : 0;
        const got = await h.decodedMax(c, n);
        worstError = Math.max(worstError, want > 0 ? Math.abs(got - want) / want : got > 0 ? 1 : 0);
      }
    return worstError;
  });
  check(worst < 1e-3, `decoded fields keep their peaks (worst relative error ${worst.toExponential(1)})`);

  /// Sets the slider (as a user would: value + input event) and waits for that frame.
  async function showSnapshot(n) {
    await tab.$eval('#time', (slider, value) => {
      slider.value = String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, n);
    await tab.waitForFunction((value) => document.body.dataset.shown?.startsWith(`${value}:`), { timeout: 30000 }, n);
  }
  async function shot(name) {
    const file = join(outDir, `${name}.png`);
    const bytes = await tab.screenshot({ path: file, fullPage: true });
    return { file, bytes };
  }
  /// Distinct colours in a canvas and the share of non-white pixels: not blank.
  const canvasStats = (id) =>
    tab.$eval(`#${id}`, (canvas) => {
      const ctx = canvas.getContext('2d');
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set();
      let ink = 0;
      for (let p = 0; p < d.length; p += 4) {
        colours.add((d[p] << 16) | (d[p + 1] << 8) | d[p + 2]);
        if (d[p] < 250 || d[p + 1] < 250 || d[p + 2] < 250) ink += 1;
      }
      let hash = 0;
      for (let p = 0; p < d.length; p += 7) hash = (hash * 31 + d[p]) >>> 0;
      return { colours: colours.size, ink: ink / (d.length / 4), hash };
    });
  /// Distinct colours of the 3-D view, read back by the page right after a render.
  const view3dColours = () => tab.evaluate(() => window.mesosimViewer.hooks.colours3d());

  if (bleb) {
    await showSnapshot(1);
    const note = await tab.$eval('#note3d', (e) => e.textContent);
    check(note.includes('the bleb'), `3-D view of a darcy run shows the bleb ('${note}')`);
    await shot('bleb');
    throw null;  // done: only the error checks below
  }
  const last = info.snapshots - 1;
  const middle = Math.min(4, last);
  await showSnapshot(1);
  const early = { section: await canvasStats('section'), top: await canvasStats('top'), plot: await canvasStats('plot') };
  const earlyShot = await shot('early');
  await showSnapshot(last);
  const late = { section: await canvasStats('section'), top: await canvasStats('top') };
  const lateShot = await shot('late');
  check(early.section.colours > 50 && early.section.ink > 0.3, `section not blank (${early.section.colours} colours)`);
  check(early.top.colours > 50 && early.top.ink > 0.3, `top view not blank (${early.top.colours} colours)`);
  check(early.plot.colours > 10, `plot drawn (${early.plot.colours} colours)`);
  check(early.section.hash !== late.section.hash && early.top.hash !== late.top.hash, 'section and top view differ between times');
  check(!earlyShot.bytes.equals(lateShot.bytes), `screenshots differ between times (${earlyShot.file}, ${lateShot.file})`);
  const label = await tab.$eval('#time-label', (e) => e.textContent);
  check(label !== info.label, `the time label follows the slider ('${label}')`);

  // Another component, at an early time (the default one may be gone later).
  const other = (info.initial + 1) % info.components.length;
  await showSnapshot(middle);
  const before = await canvasStats('section');
  await tab.select('#component', String(other));
  await tab.waitForFunction((c) => document.body.dataset.shown?.split(':')[1] === String(c), { timeout: 30000 }, other);
  const after = await canvasStats('section');
  check(before.hash !== after.hash, `component switched to ${info.components[other]}: the section changed`);
  await shot('component');

  // The 3-D view: isosurface and volume modes draw something beyond the background.
  await showSnapshot(1);
  const iso = await view3dColours();
  await tab.select('#mode3d', 'volume');
  await tab.waitForFunction(() => window.mesosimViewer.state.mode3d === 'volume' && window.mesosimViewer.hooks.frames > 0);
  await new Promise((r) => setTimeout(r, 500));
  const vol = await view3dColours();
  check(iso > 20 && vol > 20 && iso !== vol, `3-D view drawn (isosurface ${iso}, volume ${vol} colours)`);
  // Cells instead of interpolation, and the linear scale: different pictures, no errors.
  const smooth = await canvasStats('top');
  await tab.click('#cells');
  await tab.waitForFunction(() => document.body.dataset.shown?.endsWith(':cells'));
  const cells = await canvasStats('top');
  check(smooth.hash !== cells.hash, 'cell view differs from the interpolated one');
  await tab.click('#play');
  await new Promise((r) => setTimeout(r, 1500));
  await tab.click('#play');
  const played = await tab.evaluate(() => window.mesosimViewer.state.snapshot);
  check(played !== 1, `play advanced the slider (now snapshot ${played})`);
  await shot('final');
  const hookErrors = await tab.evaluate(() => window.mesosimViewer.hooks.errors);
  errors.push(...hookErrors);
} catch (error) {
  if (error !== null) errors.push(`test: ${error.stack || error}`);
} finally {
  await browser.close();
}
check(errors.length === 0, `no console or page errors${errors.length ? ': ' + errors.join(' | ') : ''}`);
check(requests.length === 0, `no network requests${requests.length ? ': ' + requests.join(', ') : ''}`);
console.log(failures ? `${failures} failed` : 'all passed');
process.exit(failures ? 1 : 0);
