// A warm `kiln-run --serve` process, shared by compare.js and ab.js.
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');

/// Starts kiln-run on `so` with the given inputs and threads; resolves once
/// it has loaded and warmed up (with `env` added to the environment). run(n)
/// resolves to n latencies in ms.
async function kilnServer(kilnRun, so, inputs, threads, env = {}) {
  const args = [so, ...inputs.flatMap(f => ['-i', f]), '--serve', '--num-threads',
                String(threads)];
  const proc = spawn(kilnRun, args, { stdio: ['pipe', 'pipe', 'inherit'],
                                     env: { ...process.env, ...env } });
  const lines = readline.createInterface({ input: proc.stdout });
  const queue = [];
  let waiting = null;
  let exited = null;
  lines.on('line', l => (waiting ? (waiting(l), (waiting = null)) : queue.push(l)));
  proc.on('exit', code => {
    exited = `kiln-run ${so} exited with ${code}`;
    if (waiting) waiting(exited);
  });
  const next = () => new Promise(r => (queue.length ? r(queue.shift())
                                        : exited ? r(exited) : (waiting = r)));
  const ready = await next();
  if (!ready.startsWith('ready')) throw new Error('kiln-run: ' + ready);
  return {
    threads: +ready.split(' ')[1],
    async run(n) {
      proc.stdin.write(`run ${n}\n`);
      const l = await next();
      if (!l.startsWith('times')) throw new Error(l);
      return l.split(' ').slice(1).map(Number);
    },
    close() { proc.stdin.end(); },
  };
}

const sleep = ms => new Promise(r => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

module.exports = { kilnServer, sleep, quantile };
