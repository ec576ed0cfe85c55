// Principal component analysis by power iteration: the two directions along which the
// vectors spread the most, so 384 numbers per point can be drawn on a flat page.

function meanOf(rows) {
  const mean = new Float64Array(rows[0].length);
  for (const r of rows) for (let i = 0; i < r.length; i++) mean[i] += r[i];
  for (let i = 0; i < mean.length; i++) mean[i] /= rows.length;
  return mean;
}

function normalise(v) {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

// One principal direction of the centred rows, orthogonal to `previous` directions.
function component(centred, previous, iterations = 200) {
  const dims = centred[0].length;
  let v = normalise(Float64Array.from({ length: dims }, (_, i) => Math.sin(i * 12.9898 + previous.length) + 0.01));
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(dims);
    for (const r of centred) {
      let p = 0;
      for (let i = 0; i < dims; i++) p += r[i] * v[i];
      for (let i = 0; i < dims; i++) next[i] += p * r[i];
    }
    for (const u of previous) {
      let p = 0;
      for (let i = 0; i < dims; i++) p += next[i] * u[i];
      for (let i = 0; i < dims; i++) next[i] -= p * u[i];
    }
    v = normalise(next);
  }
  return v;
}

// Fit on `rows` (arrays of numbers); returns {project(vector) -> [x, y]}.
export function fitPCA(rows, k = 2) {
  const mean = meanOf(rows);
  const centred = rows.map((r) => Float64Array.from(r, (x, i) => x - mean[i]));
  const axes = [];
  for (let c = 0; c < k; c++) axes.push(component(centred, axes));
  return {
    axes,
    project(vector) {
      return axes.map((a) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += (vector[i] - mean[i]) * a[i];
        return s;
      });
    },
  };
}
