// Kiln vs ONNX Runtime on one model, interleaved in the same run.
//
//   node bench/compare_ort.js --model m.onnx --kiln m.so [--rounds 7] [--runs 5]
//        [--threads 1] in0.npy [in1.npy ...]
//
// Each round times --runs ORT runs (in this process) and then --runs Kiln
// runs (kiln-run --repeat, its median), alternating so that drift on a shared
// machine hits both. Prints each side's median over rounds and the ratio.
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');
const ort = require('onnxruntime-node');
const npy = require('./npy');

function parse(argv) {
  const o = { rounds: 7, runs: 5, threads: 1, inputs: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--model') o.model = argv[++i];
    else if (a === '--kiln') o.kiln = argv[++i];
    else if (a === '--rounds') o.rounds = +argv[++i];
    else if (a === '--runs') o.runs = +argv[++i];
    else if (a === '--threads') o.threads = +argv[++i];
    else if (a === '--kiln-run') o.kilnRun = argv[++i];
    else o.inputs.push(a);
  }
  o.kilnRun = o.kilnRun || path.join(__dirname, '..', 'build', 'bin', 'kiln-run');
  return o;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const o = parse(process.argv.slice(2));
  const session = await ort.InferenceSession.create(o.model, {
    intraOpNumThreads: o.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const t = npy.read(o.inputs[i]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  });
  await session.run(feeds); // warm up
  const kilnArgs = [o.kiln, ...o.inputs.flatMap(f => ['-i', f]), '--repeat', String(o.runs)];
  execFileSync(o.kilnRun, kilnArgs); // warm up
  const ortTimes = [], kilnTimes = [];
  for (let r = 0; r < o.rounds; ++r) {
    const times = [];
    for (let k = 0; k < o.runs; ++k) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ortTimes.push(median(times));
    const out = execFileSync(o.kilnRun, kilnArgs).toString();
    kilnTimes.push(+/median ([0-9.]+) ms/.exec(out)[1]);
  }
  const ortMs = median(ortTimes), kilnMs = median(kilnTimes);
  console.log(`model: ${path.basename(o.model)}, ${o.rounds} rounds x ${o.runs} runs, ` +
              `${o.threads} thread(s)`);
  console.log(`onnxruntime ${ort.env.versions ? ort.env.versions.common : ''}: median ${ortMs.toFixed(3)} ms`);
  console.log(`kiln:              median ${kilnMs.toFixed(3)} ms`);
  console.log(`kiln / onnxruntime: ${(kilnMs / ortMs).toFixed(2)}x ` +
              (kilnMs > ortMs ? '(kiln slower)' : '(kiln faster)'));
})().catch(e => { console.error(e); process.exit(1); });
