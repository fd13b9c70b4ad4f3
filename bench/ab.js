// Two Kiln builds of one model, interleaved in one run: is a change faster?
//
//   node bench/ab.js --a old.so --b new.so [--threads 1,2] [--rounds 10]
//        [--runs 5] [--kiln-run PATH] [--a-env K=V] [--b-env K=V]
//        in0.npy [in1.npy ...]
//
// Both run in warm `kiln-run --serve` processes on the same inputs. Each
// round times --runs runs of one and then of the other, the order
// alternating by round, with a pause between. Prints each side's median and
// p10 and the ratio b / a of the medians, and, to show how much of a
// difference is noise, the range of per-round b / a ratios.
'use strict';
const path = require('path');
const { kilnServer, sleep, quantile } = require('./kiln_server');

function parse(argv) {
  const o = { rounds: 10, runs: 5, threads: [1], inputs: [], aEnv: {}, bEnv: {} };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--a') o.a = argv[++i];
    else if (a === '--b') o.b = argv[++i];
    else if (a === '--rounds') o.rounds = +argv[++i];
    else if (a === '--runs') o.runs = +argv[++i];
    else if (a === '--threads') o.threads = argv[++i].split(',').map(Number);
    else if (a === '--kiln-run') o.kilnRun = argv[++i];
    else if (a === '--a-env' || a === '--b-env') {
      const [k, ...v] = argv[++i].split('=');
      (a === '--a-env' ? o.aEnv : o.bEnv)[k] = v.join('=');
    }
    else o.inputs.push(a);
  }
  if (!o.a || !o.b) throw new Error('need --a and --b');
  o.kilnRun = o.kilnRun || path.join(__dirname, '..', 'build', 'bin', 'kiln-run');
  return o;
}

async function ab(o, threads) {
  const a = await kilnServer(o.kilnRun, o.a, o.inputs, threads, o.aEnv);
  const b = await kilnServer(o.kilnRun, o.b, o.inputs, threads, o.bEnv);
  await a.run(2);
  await b.run(2);
  const ta = [], tb = [], perRound = [];
  for (let r = 0; r < o.rounds; ++r) {
    const order = r % 2 ? [[b, tb], [a, ta]] : [[a, ta], [b, tb]];
    const got = [];
    for (const [side, times] of order) {
      const t = await side.run(o.runs);
      times.push(...t);
      got.push(quantile(t, 0.5));
      await sleep(30);
    }
    perRound.push(r % 2 ? got[0] / got[1] : got[1] / got[0]);
  }
  a.close();
  b.close();
  const f = x => x.toFixed(2);
  console.log(`${threads} thread(s), ${ta.length} runs each\n` +
              `  a  median ${f(quantile(ta, 0.5))} ms  p10 ${f(quantile(ta, 0.1))} ms  ${o.a}\n` +
              `  b  median ${f(quantile(tb, 0.5))} ms  p10 ${f(quantile(tb, 0.1))} ms  ${o.b}\n` +
              `  b / a: ${f(quantile(tb, 0.5) / quantile(ta, 0.5))} (rounds: ` +
              `${f(Math.min(...perRound))} .. ${f(Math.max(...perRound))}, ` +
              `median ${f(quantile(perRound, 0.5))})`);
}

(async () => {
  const o = parse(process.argv.slice(2));
  for (const t of o.threads) await ab(o, t);
})().catch(e => { console.error(e); process.exit(1); });
