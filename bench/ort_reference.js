// Runs a model in ONNX Runtime on .npy inputs and writes each output as .npy.
//   node bench/ort_reference.js model.onnx OUT_PREFIX in0.npy [in1.npy ...]
// writes OUT_PREFIX.out0.npy, ...; inputs bind to the graph inputs in order.
'use strict';
const ort = require('onnxruntime-node');
const npy = require('./npy');
const { feedsFromNpy } = require('./ort_session');

(async () => {
  const [model, prefix, ...inputs] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const results = await session.run(feedsFromNpy(session, inputs));
  session.outputNames.forEach((name, i) => {
    npy.write(`${prefix}.out${i}.npy`, results[name]);
    console.log(`${prefix}.out${i}.npy: ${name} ${results[name].type} [${results[name].dims}]`);
  });
})().catch(e => { console.error(e); process.exit(1); });
