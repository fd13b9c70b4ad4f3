// ONNX Runtime sessions as the benchmarks open them, and feeds from .npy
// files, shared by compare.js, ort_binding_cost.js and ort_reference.js.
'use strict';
const ort = require('onnxruntime-node');
const npy = require('./npy');

/// A session as the benchmarks run ORT: `threads` intra-op threads, one
/// inter-op thread, every graph optimization; `extra` adds options.
function benchSession(model, threads, extra = {}) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', ...extra });
}

/// The session's feeds: files[i] (.npy) bound to its i-th graph input.
function feedsFromNpy(session, files) {
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const t = npy.read(files[i]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  });
  return feeds;
}

module.exports = { benchSession, feedsFromNpy };
