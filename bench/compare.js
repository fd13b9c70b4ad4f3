// Kiln vs ONNX Runtime on one model, interleaved in one run.
//
//   node bench/compare.js --model m.onnx --kiln m.so [--threads 1,2]
//        [--rounds 10] [--runs 5] [--flops F] [--peak GFLOPS] [--label NAME]
//        [--json out.json] [--kiln-run PATH] in0.npy [in1.npy ...]
//
// For each thread count, ONNX Runtime runs in this process and Kiln in one
// `kiln-run --serve` process, both warmed up, on the same inputs. Each round
// times --runs runs of one and then of the other, the order alternating by
// round, with a pause between them so that neither side's spinning threads
// steal the other's cores. Prints the median and p10 latency of each over
// all runs, the Kiln/ORT ratio of the medians, and, given the model's FLOPs
// and the one-core FMA peak, GFLOP/s and the share of the peak of the cores
// used.
'use strict';
const fs = require('fs');
const path = require('path');
const { benchSession, feedsFromNpy } = require('./ort_session');
const { kilnServer, sleep, quantile } = require('./kiln_server');

function parse(argv) {
  const o = { rounds: 10, runs: 5, threads: [1], inputs: [], flops: 0, peak: 0 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--model') o.model = argv[++i];
    else if (a === '--kiln') o.kiln = argv[++i];
    else if (a === '--rounds') o.rounds = +argv[++i];
    else if (a === '--runs') o.runs = +argv[++i];
    else if (a === '--threads') o.threads = argv[++i].split(',').map(Number);
    else if (a === '--flops') o.flops = +argv[++i];
    else if (a === '--peak') o.peak = +argv[++i];
    else if (a === '--label') o.label = argv[++i];
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--kiln-run') o.kilnRun = argv[++i];
    else o.inputs.push(a);
  }
  if (!o.model || !o.kiln) throw new Error('need --model and --kiln');
  o.kilnRun = o.kilnRun || path.join(__dirname, '..', 'build', 'bin', 'kiln-run');
  o.label = o.label || path.basename(o.model, '.onnx');
  return o;
}

async function compare(o, threads) {
  const session = await benchSession(o.model, threads);
  const feeds = feedsFromNpy(session, o.inputs);
  const kiln = await kilnServer(o.kilnRun, o.kiln, o.inputs, threads);
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  await kiln.run(2);
  const ortTimes = [], kilnTimes = [];
  const runOrt = async () => {
    for (let k = 0; k < o.runs; ++k) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      ortTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const runKiln = async () => kilnTimes.push(...(await kiln.run(o.runs)));
  for (let r = 0; r < o.rounds; ++r) {
    const [first, second] = r % 2 ? [runKiln, runOrt] : [runOrt, runKiln];
    await first();
    await sleep(30);
    await second();
    await sleep(30);
  }
  kiln.close();
  const res = {
    model: o.label, threads, kiln_threads: kiln.threads, samples: ortTimes.length,
    ort_median_ms: quantile(ortTimes, 0.5), ort_p10_ms: quantile(ortTimes, 0.1),
    kiln_median_ms: quantile(kilnTimes, 0.5), kiln_p10_ms: quantile(kilnTimes, 0.1),
  };
  res.ratio = res.kiln_median_ms / res.ort_median_ms;
  if (o.flops) {
    res.kiln_gflops = o.flops / res.kiln_median_ms / 1e6;
    res.ort_gflops = o.flops / res.ort_median_ms / 1e6;
    if (o.peak) {
      res.kiln_peak_share = res.kiln_gflops / (o.peak * threads);
      res.ort_peak_share = res.ort_gflops / (o.peak * threads);
    }
  }
  return res;
}

function line(r) {
  const f = (x, d = 1) => (x === undefined ? '-' : x.toFixed(d));
  const share = x => (x === undefined ? '' : ` (${(100 * x).toFixed(0)}% of peak)`);
  return `${r.model}, ${r.threads} thread(s), ${r.samples} runs each\n` +
         `  onnxruntime  median ${f(r.ort_median_ms)} ms  p10 ${f(r.ort_p10_ms)} ms` +
         (r.ort_gflops ? `  ${f(r.ort_gflops)} GFLOP/s${share(r.ort_peak_share)}` : '') + '\n' +
         `  kiln         median ${f(r.kiln_median_ms)} ms  p10 ${f(r.kiln_p10_ms)} ms` +
         (r.kiln_gflops ? `  ${f(r.kiln_gflops)} GFLOP/s${share(r.kiln_peak_share)}` : '') + '\n' +
         `  kiln / onnxruntime: ${r.ratio.toFixed(2)}`;
}

(async () => {
  const o = parse(process.argv.slice(2));
  const results = [];
  for (const t of o.threads) {
    const r = await compare(o, t);
    console.log(line(r));
    results.push(r);
  }
  // How each side scales from one thread. Each thread count was its own
  // interleaved run, so this is rougher than the ratios above.
  const one = results.find(r => r.threads === 1);
  for (const r of results)
    if (one && r.threads > 1)
      console.log(`${r.model}, 1 -> ${r.threads} threads: ` +
                  `kiln ${(one.kiln_median_ms / r.kiln_median_ms).toFixed(2)}x, ` +
                  `onnxruntime ${(one.ort_median_ms / r.ort_median_ms).toFixed(2)}x`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 2));
})().catch(e => { console.error(e); process.exit(1); });
