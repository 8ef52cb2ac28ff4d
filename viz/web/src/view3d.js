// The 3-D view through vtk.js (WebGL): the tissue block's outline, the skin surface (translucent,
// on top; only its edge under a volume rendering), faint layer boundaries, a needle to each tip
// given so far, and the component either as an isosurface at its therapeutic threshold (marching
// cubes) or as a volume rendering coloured like the colour bar; the bleb of a darcy run as a
// translucent surface where the excess fluid fraction reaches 0.1. Millimetres, x right, y back,
// z up (z = -depth).
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkPlaneSource from '@kitware/vtk.js/Filters/Sources/PlaneSource';
import vtkCubeSource from '@kitware/vtk.js/Filters/Sources/CubeSource';
import vtkLineSource from '@kitware/vtk.js/Filters/Sources/LineSource';
import { formatValue } from './slices.js';

function actorOf(source, colour, opacity) {
  const mapper = vtkMapper.newInstance();
  mapper.setInputConnection(source.getOutputPort());
  const actor = vtkActor.newInstance();
  actor.setMapper(mapper);
  actor.getProperty().setColor(...colour);
  actor.getProperty().setOpacity(opacity);
  return actor;
}

/// Image data on the block (mm) holding `values` (C order z from the surface down, y, x), flipped
/// so that vtk's z index grows upward. `pad`: one layer of zeros around the block, so that
/// isosurfaces reaching a face of the block are closed there.
function imageOf(data, values, pad = false) {
  const g = data.grid;
  const p = pad ? 1 : 0;
  const [nx, ny, nz] = [g.nx + 2 * p, g.ny + 2 * p, g.nz + 2 * p];
  const flipped = new values.constructor(nx * ny * nz);
  for (let k = 0; k < g.nz; ++k)
    for (let j = 0; j < g.ny; ++j) {
      const from = (k * g.ny + j) * g.nx;
      flipped.set(values.subarray(from, from + g.nx), ((g.nz - 1 - k + p) * ny + j + p) * nx + p);
    }
  const image = vtkImageData.newInstance();
  image.setDimensions(nx, ny, nz);
  image.setSpacing(g.hx * 1e3, g.hy * 1e3, g.hz * 1e3);
  image.setOrigin((0.5 - p) * g.hx * 1e3, (0.5 - p) * g.hy * 1e3, -g.depth * 1e3 + (0.5 - p) * g.hz * 1e3);
  image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'c', numberOfComponents: 1, values: flipped }));
  return image;
}

export function createView3d(container, data) {
  const g = data.grid;
  const lx = g.length_x * 1e3;
  const ly = g.length_y * 1e3;
  const lz = g.depth * 1e3;
  const view = vtkGenericRenderWindow.newInstance({ background: [1, 1, 1], listenWindowResize: true });
  view.setContainer(container);
  view.resize();
  const renderer = view.getRenderer();
  const renderWindow = view.getRenderWindow();

  // The block: outline, skin surface, layer boundaries.
  const box = vtkCubeSource.newInstance({ xLength: lx, yLength: ly, zLength: lz, center: [lx / 2, ly / 2, -lz / 2] });
  const outline = actorOf(box, [0.25, 0.25, 0.25], 1);
  outline.getProperty().setRepresentation(1);  // wireframe
  renderer.addActor(outline);
  const skin = vtkPlaneSource.newInstance({ origin: [0, 0, 0], point1: [lx, 0, 0], point2: [0, ly, 0] });
  const translucent = [actorOf(skin, [0.92, 0.68, 0.55], 0.3)];
  translucent[0].getProperty().setAmbient(0.6);  // skin-coloured from every side, not only where lit
  translucent[0].getProperty().setDiffuse(0.4);
  renderer.addActor(translucent[0]);
  // Translucent surfaces hide a volume rendering behind them in vtk.js: then the skin is its edge.
  const skinEdge = actorOf(skin, [0.85, 0.55, 0.4], 1);
  skinEdge.getProperty().setRepresentation(1);
  skinEdge.getProperty().setLineWidth(3);
  skinEdge.setVisibility(false);
  renderer.addActor(skinEdge);
  for (const layer of data.layers) {
    if (!(layer.top_m > 0 && layer.top_m < g.depth)) continue;
    const z = -layer.top_m * 1e3;
    const plane = vtkPlaneSource.newInstance({ origin: [0, 0, z], point1: [lx, 0, z], point2: [0, ly, z] });
    translucent.push(actorOf(plane, [0.6, 0.6, 0.65], 0.08));
    renderer.addActor(translucent[translucent.length - 1]);
  }
  // One needle per injection, shown once it is given.
  const needles = data.injections.map((p) => {
    const line = vtkLineSource.newInstance({ point1: [p.x * 1e3, p.y * 1e3, 0.8], point2: [p.x * 1e3, p.y * 1e3, -p.depth * 1e3] });
    const actor = actorOf(line, [0.35, 0.35, 0.35], 1);
    actor.getProperty().setLineWidth(2);
    renderer.addActor(actor);
    return { actor, time: p.time };
  });

  // The component: isosurface or volume.
  const contour = vtkImageMarchingCubes.newInstance({ contourValue: 1, computeNormals: true, mergePoints: true });
  const surfaceMapper = vtkMapper.newInstance({ scalarVisibility: false });
  surfaceMapper.setInputConnection(contour.getOutputPort());
  const surface = vtkActor.newInstance();
  surface.setMapper(surfaceMapper);
  let surfaceAdded = false;
  const volumeMapper = vtkVolumeMapper.newInstance();
  volumeMapper.setSampleDistance(0.5 * Math.min(g.hx, g.hy, g.hz) * 1e3);
  const volume = vtkVolume.newInstance();
  volume.setMapper(volumeMapper);
  const colours = vtkColorTransferFunction.newInstance();
  data.viridis.forEach(([r, gr, b], n) => (n % 8 === 0 || n === 255 ? colours.addRGBPoint(n, r / 255, gr / 255, b / 255) : null));
  const opacity = vtkPiecewiseFunction.newInstance();
  opacity.addPoint(0, 0.0);
  opacity.addPoint(38, 0.0);
  opacity.addPoint(255, 0.6);
  volume.getProperty().setRGBTransferFunction(0, colours);
  volume.getProperty().setScalarOpacity(0, opacity);
  volume.getProperty().setInterpolationTypeToLinear();
  let volumeAdded = false;  // surface, volume and bleb join the scene with their first input
  // The bleb (darcy runs).
  const blebContour = vtkImageMarchingCubes.newInstance({ contourValue: 0.1, computeNormals: true, mergePoints: true });
  const blebMapper = vtkMapper.newInstance({ scalarVisibility: false });
  blebMapper.setInputConnection(blebContour.getOutputPort());
  const bleb = vtkActor.newInstance();
  bleb.setMapper(blebMapper);
  bleb.getProperty().setColor(0.2, 0.45, 1.0);
  bleb.getProperty().setOpacity(0.8);
  let blebAdded = false;

  const camera = renderer.getActiveCamera();
  camera.setFocalPoint(lx / 2, ly / 2, -lz / 2);
  camera.setPosition(lx / 2 + 1.1 * lx, ly / 2 - 1.6 * ly, lz + 0.9 * Math.max(lx, ly));
  camera.setViewUp(0, 0, 1);
  renderer.resetCamera();
  camera.zoom(1.05);

  return {
    /// Shows a snapshot; returns a short note for the panel's heading.
    update({ field, excess, scale, component, mode, injections }) {
      const t = injections.length ? Math.max(...injections.map((p) => p.time)) : -1;
      needles.forEach((n) => n.actor.setVisibility(n.time <= t + 1e-6));
      let peak = 0;
      for (let i = 0; i < field.length; ++i) if (field[i] > peak) peak = field[i];
      let note;
      if (mode === 'volume') {
        // 8-bit positions on the colour bar: what every WebGL (software ones too) samples linearly.
        const positions = new Uint8Array(field.length);
        for (let i = 0; i < field.length; ++i) positions[i] = Math.round(255 * scale.position(field[i]));
        volumeMapper.setInputData(imageOf(data, positions));
        if (!volumeAdded) renderer.addVolume(volume);
        volumeAdded = true;
        volume.setVisibility(true);
        translucent.forEach((a) => a.setVisibility(false));
        skinEdge.setVisibility(true);
        if (surfaceAdded) surface.setVisibility(false);
        note = `colour and opacity as on the colour bar (${scale.log ? 'log' : 'linear'})`;
      } else {
        const level = component.threshold > 0 ? component.threshold : 0.1 * component.peak;
        const what = component.threshold > 0 ? 'threshold' : '10 % of the peak';
        contour.setInputData(imageOf(data, field, true));
        contour.setContourValue(level);
        if (!surfaceAdded) renderer.addActor(surface);
        surfaceAdded = true;
        const [r, gr, b] = data.viridis[Math.round(255 * scale.position(level))];
        surface.getProperty().setColor(r / 255, gr / 255, b / 255);
        surface.setVisibility(peak >= level);
        surface.getProperty().setOpacity(1);
        if (volumeAdded) volume.setVisibility(false);
        translucent.forEach((a) => a.setVisibility(true));
        skinEdge.setVisibility(false);
        note = peak >= level ? `${formatValue(level)} mg/mL (${what})` : `nothing at or above ${formatValue(level)} mg/mL (${what}) now`;
      }
      if (excess && data.excess.peak >= data.excess.bleb_level) {
        let highest = 0;
        for (let i = 0; i < excess.length; ++i) if (excess[i] > highest) highest = excess[i];
        blebContour.setInputData(imageOf(data, excess, true));
        if (!blebAdded) renderer.addActor(bleb);
        blebAdded = true;
        bleb.setVisibility(highest >= data.excess.bleb_level);
        if (highest >= data.excess.bleb_level) {
          note += '; blue: the bleb (excess fluid >= 0.1)';
          if (mode !== 'volume') surface.getProperty().setOpacity(0.45);  // the bleb inside shows through
        }
      }
      renderWindow.render();
      return note;
    },
    /// Renders again and counts the distinct colours of the picture (read back at once, before
    /// the browser clears the WebGL buffer): for tests.
    colours() {
      renderWindow.render();
      const source = container.querySelector('canvas');
      const copy = document.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      const ctx = copy.getContext('2d');
      ctx.drawImage(source, 0, 0);
      const d = ctx.getImageData(0, 0, copy.width, copy.height).data;
      const seen = new Set();
      for (let p = 0; p < d.length; p += 4) seen.add((d[p] << 16) | (d[p + 1] << 8) | d[p + 2]);
      return seen.size;
    },
  };
}
