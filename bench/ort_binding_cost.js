// What onnxruntime-node adds to ONNX Runtime's own run time.
//
//   node bench/ort_binding_cost.js --model m.onnx [--threads 1,2] [--runs 20]
//        [--label NAME] [--compare-json out.json] in0.npy [in1.npy ...]
//
// compare.js times ORT's session.run() from JavaScript: that includes the
// node binding's work around the run (scheduling it, wrapping the inputs,
// handing the outputs to JavaScript), which a C or C++ caller of ORT would
// not pay. Kiln is timed around kiln_run() with its outputs in buffers the
// caller owns. Here one ORT session runs with its profiler on, and each run
// is timed both from JavaScript and by ORT itself (its `model_run` event).
// The median of the runs' differences is the binding's cost on this model.
// The profiler's own cost falls inside `model_run`, so the difference does
// not include it. Given compare.js's --json output for the same model,
// it also prints Kiln's median over ORT's median less that cost: the ratio
// against ORT as a C caller would see it (rougher than compare.js's, as the
// cost comes from a separate run).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchSession, feedsFromNpy } = require('./ort_session');
const { quantile } = require('./kiln_server');

function parse(argv) {
  const o = { threads: [1], runs: 20, inputs: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--model') o.model = argv[++i];
    else if (a === '--threads') o.threads = argv[++i].split(',').map(Number);
    else if (a === '--runs') o.runs = +argv[++i];
    else if (a === '--label') o.label = argv[++i];
    else if (a === '--compare-json') o.compareJson = argv[++i];
    else o.inputs.push(a);
  }
  if (!o.model) throw new Error('need --model');
  if (!fs.existsSync(o.model)) throw new Error(`${o.model}: no such file`);
  if (!(o.runs > 0)) throw new Error('--runs takes a positive count');
  o.label = o.label || path.basename(o.model, '.onnx');
  return o;
}

async function measure(o, threads) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-ort-profile-'));
  try {
    const session = await benchSession(o.model, threads, {
      enableProfiling: true, profileFilePrefix: path.join(dir, 'ort') });
    const feeds = feedsFromNpy(session, o.inputs);
    const warmups = 3;
    for (let i = 0; i < warmups; ++i) await session.run(feeds);
    const js = [];
    for (let i = 0; i < o.runs; ++i) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      js.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    session.endProfiling();
    const file = fs.readdirSync(dir).map(f => path.join(dir, f)).find(f => f.endsWith('.json'));
    if (!file) throw new Error('ONNX Runtime wrote no profile');
    const runs = JSON.parse(fs.readFileSync(file, 'utf8'))
                     .filter(e => e.name === 'model_run').map(e => e.dur / 1000);
    if (runs.length !== warmups + o.runs)
      throw new Error(`profile has ${runs.length} model_run events, expected ${warmups + o.runs}`);
    const own = runs.slice(warmups);
    // Run by run: the binding's cost is what JavaScript saw beyond ORT's own
    // time, which the machine's noise moves far less than either.
    return { js: quantile(js, 0.5), own: quantile(own, 0.5),
             cost: quantile(js.map((t, i) => t - own[i]), 0.5) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  const o = parse(process.argv.slice(2));
  const compared = o.compareJson ? JSON.parse(fs.readFileSync(o.compareJson, 'utf8')) : [];
  for (const t of o.threads) {
    const r = await measure(o, t), cost = r.cost;
    console.log(`${o.label}, ${t} thread(s), onnxruntime over ${o.runs} runs: ` +
                `session.run ${r.js.toFixed(1)} ms, its own model_run ${r.own.toFixed(1)} ms ` +
                `(the node binding adds ${cost.toFixed(1)} ms, ` +
                `${(100 * cost / r.js).toFixed(1)}%)`);
    const c = compared.find(x => x.threads === t);
    if (c)
      console.log(`  kiln / onnxruntime without the binding: ` +
                  `${(c.kiln_median_ms / (c.ort_median_ms - cost)).toFixed(2)}`);
  }
})().catch(e => { console.error(e.message || e); process.exit(1); });
