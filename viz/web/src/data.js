// Decoding the page's fields: base64 -> zlib inflate (the browser's DecompressionStream) -> bytes
// -> 16-bit codes (un-shuffled, differences summed) -> Float32 values in mg/mL (log codes,
// viz/viewer_page.hpp: encode_log16), cached.

const cache = new Map();
const tables = new Map();

function bytesOf(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let n = 0; n < text.length; ++n) bytes[n] = text.charCodeAt(n);
  return bytes;
}

/// base64 -> inflate -> 16-bit codes: high bytes, then low bytes, of differences along rows of nx
/// (viz/viewer_page.hpp: pack_codes).
async function inflate(base64, nx) {
  const stream = new Blob([bytesOf(base64)]).stream().pipeThrough(new DecompressionStream('deflate'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const n = bytes.length >> 1;
  const codes = new Uint16Array(n);
  for (let i = 0; i < n; ++i) {
    const delta = (bytes[i] << 8) | bytes[n + i];
    codes[i] = i % nx === 0 ? delta : (codes[i - 1] + delta) & 0xffff;
  }
  return codes;
}

/// code -> mg/mL for one component: 0 stays 0, else peak * 10^(((code - 1) / 65534 - 1) * decades).
function logTable(peak, decades) {
  const table = new Float32Array(65536);
  for (let code = 1; code < 65536; ++code) table[code] = peak * Math.pow(10, ((code - 1) / 65534 - 1) * decades);
  return table;
}

function remember(key, value) {
  cache.set(key, value);
  if (cache.size > 32) cache.delete(cache.keys().next().value);
  return value;
}

/// Component c at snapshot n: Float32Array of mg/mL, C order (z from the surface down, y, x).
export function decodeField(data, c, n) {
  const key = `c${c}:${n}`;
  if (cache.has(key)) return cache.get(key);
  const component = data.components[c];
  if (!tables.has(c)) tables.set(c, logTable(component.peak, data.decades));
  const table = tables.get(c);
  const promise = inflate(component.fields[n], data.grid.nx).then((codes) => {
    const values = new Float32Array(codes.length);
    for (let i = 0; i < codes.length; ++i) values[i] = table[codes[i]];
    return values;
  });
  return remember(key, promise);
}

/// The excess fluid fraction at snapshot n (linear codes up to data.excess.peak).
export function decodeExcess(data, n) {
  const key = `e:${n}`;
  if (cache.has(key)) return cache.get(key);
  const peak = data.excess.peak;
  const promise = inflate(data.excess.fields[n], data.grid.nx).then((codes) => {
    const values = new Float32Array(codes.length);
    for (let i = 0; i < codes.length; ++i) values[i] = (codes[i] / 65535) * peak;
    return values;
  });
  return remember(key, promise);
}
