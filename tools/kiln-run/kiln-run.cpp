//===- kiln-run.cpp - run a compiled Kiln model and check its outputs -------===//
//
// kiln-run model.so -i input.npy ... [-e expected.npy ...] [--atol A] [--rtol R]
// kiln-run model.so --test-data DIR      (DIR/input_N.pb, DIR/output_N.pb)
//
// Loads the .so with dlopen, finds its descriptor (kiln_default_model, or
// NAME_model with --name), runs it through the Kiln runtime, and compares
// every output with its expected tensor: |got - want| <= atol + rtol * |want|
// elementwise, NaN equal to NaN. Exit code 0: all outputs match; 1: an
// output differs; 2: anything else went wrong.
//
//===----------------------------------------------------------------------===//
#include "ProfileReport.h"
#include "TensorFile.h"

#include "kiln_rt.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>

using namespace llvm;
using namespace kiln;

namespace {
cl::OptionCategory cat("kiln-run options");
cl::opt<std::string> library(cl::Positional, cl::desc("<model.so>"), cl::Required, cl::cat(cat));
cl::list<std::string> inputs("i", cl::desc("Input tensor file (.npy or TensorProto .pb), in order"),
                             cl::value_desc("file"), cl::cat(cat));
cl::list<std::string> expected("e", cl::desc("Expected output file, in order"),
                               cl::value_desc("file"), cl::cat(cat));
cl::opt<std::string> testData("test-data",
                              cl::desc("ONNX test folder: input_N.pb and output_N.pb"),
                              cl::value_desc("dir"), cl::cat(cat));
cl::opt<std::string> name("name", cl::desc("Model name given to kilnc --name"),
                          cl::cat(cat));
cl::opt<std::string> weightsPath("weights", cl::desc("NAME.weights for --weights=file models"),
                                 cl::cat(cat));
cl::opt<double> absTol("atol", cl::desc("Absolute tolerance (default 1e-4)"), cl::init(1e-4),
                     cl::cat(cat));
cl::opt<double> relTol("rtol", cl::desc("Relative tolerance (default 0)"), cl::init(0.0),
                     cl::cat(cat));
cl::opt<std::string> outDir("save-outputs", cl::desc("Write outputs as output_N.npy here"),
                            cl::value_desc("dir"), cl::cat(cat));
cl::opt<int> threads("num-threads",
                     cl::desc("Threads the kernels run on (default 0: every CPU, or "
                              "KILN_NUM_THREADS)"),
                     cl::init(0), cl::cat(cat));
cl::opt<int> minParallelMflops(
    "min-parallel-mflops",
    cl::desc("Kernels below this many million flops stay on the calling thread (default 0: "
             "the kernel library's 4; negative: split every kernel)"),
    cl::init(0), cl::cat(cat));
cl::opt<kiln_weights_placement> weightsPlacement(
    "weights-placement", cl::desc("Where the kernels read the weights"),
    cl::values(clEnumValN(KILN_WEIGHTS_AUTO, "auto",
                          "a copy in huge pages for models of 64 MiB or more (default)"),
               clEnumValN(KILN_WEIGHTS_IN_PLACE, "in-place", "where they are, no copy"),
               clEnumValN(KILN_WEIGHTS_HUGE_PAGES, "huge-pages", "always the copy")),
    cl::init(KILN_WEIGHTS_AUTO), cl::cat(cat));
cl::opt<bool> profile("profile",
                      cl::desc("Print where the runs' time goes: each kernel kind (calls, "
                               "ms per run, GFLOP/s), the model's own loops, the threads' "
                               "waits in parallel jobs, and each kernel shape"),
                      cl::init(false), cl::cat(cat));
cl::opt<bool> serve("serve",
                    cl::desc("Benchmark server: after loading, read 'run N' lines on stdin "
                             "and answer each with 'times T1 ... TN' (ms); for "
                             "bench/compare.js"),
                    cl::init(false), cl::cat(cat));
cl::opt<unsigned> repeat("repeat", cl::desc("Run this many times and report the median time"),
                         cl::init(1), cl::cat(cat));

int fail(const Twine &msg) {
  errs() << "kiln-run: error: " << msg << "\n";
  return 2;
}

double halfToDouble(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
  double v;
  if (exp == 0)
    v = std::ldexp(mant, -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(mant + 1024, exp - 25);
  return sign ? -v : v;
}

double elementAt(const char *p, int32_t dtype, int64_t i) {
  switch (dtype) {
  case KILN_FLOAT32: { float v; std::memcpy(&v, p + 4 * i, 4); return v; }
  case KILN_FLOAT64: { double v; std::memcpy(&v, p + 8 * i, 8); return v; }
  case KILN_FLOAT16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); return halfToDouble(v); }
  case KILN_BFLOAT16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); uint32_t w = (uint32_t)v << 16; float f; std::memcpy(&f, &w, 4); return f; }
  case KILN_UINT8: case KILN_BOOL: return (uint8_t)p[i];
  case KILN_INT8: return (int8_t)p[i];
  case KILN_UINT16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); return v; }
  case KILN_INT16: { int16_t v; std::memcpy(&v, p + 2 * i, 2); return v; }
  case KILN_INT32: { int32_t v; std::memcpy(&v, p + 4 * i, 4); return v; }
  case KILN_UINT32: { uint32_t v; std::memcpy(&v, p + 4 * i, 4); return v; }
  case KILN_INT64: { int64_t v; std::memcpy(&v, p + 8 * i, 8); return (double)v; }
  case KILN_UINT64: { uint64_t v; std::memcpy(&v, p + 8 * i, 8); return (double)v; }
  }
  return NAN;
}

/// ONNX's bfloat16/float16 test data is sometimes stored as uint16 bits.
bool bitsCompatible(int32_t fileType, int32_t modelType) {
  bool half = modelType == KILN_BFLOAT16 || modelType == KILN_FLOAT16;
  return half && fileType == KILN_UINT16;
}

std::string shapeText(const int64_t *dims, int64_t rank) {
  std::string s = "[";
  for (int64_t i = 0; i < rank; ++i)
    s += (i ? "x" : "") + std::to_string(dims[i]);
  return s + "]";
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv, "kiln-run: run a compiled Kiln model\n");

  std::vector<std::string> inFiles(inputs.begin(), inputs.end());
  std::vector<std::string> expFiles(expected.begin(), expected.end());
  if (!testData.empty()) {
    for (int i = 0;; ++i) {
      std::string p = testData + "/input_" + std::to_string(i) + ".pb";
      if (!sys::fs::exists(p))
        break;
      inFiles.push_back(p);
    }
    for (int i = 0;; ++i) {
      std::string p = testData + "/output_" + std::to_string(i) + ".pb";
      if (!sys::fs::exists(p))
        break;
      expFiles.push_back(p);
    }
  }

  std::string libPath = library;
  if (libPath.find('/') == std::string::npos)
    libPath = "./" + libPath;
  void *handle = dlopen(libPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(Twine("cannot load ") + library + ": " + dlerror());
  std::string symbol = name.empty() ? "kiln_default_model" : name + "_model";
  auto *model = (const kiln_model *)dlsym(handle, symbol.c_str());
  if (!model)
    return fail(library + " has no symbol " + symbol +
                (name.empty() ? " (not a kilnc shared library? use --name for objects)" : ""));

  if (inFiles.size() != model->num_inputs)
    return fail(Twine("model '") + model->name + "' takes " + Twine(model->num_inputs) +
                " inputs; " + Twine(inFiles.size()) + " given");
  std::vector<HostBuffer> in;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    auto t = readTensorFile(inFiles[i]);
    if (!t)
      return fail(toString(t.takeError()));
    const kiln_tensor_info &info = model->inputs[i];
    if (bitsCompatible(t->dtype, info.dtype))
      t->dtype = info.dtype;
    if (t->dtype != info.dtype)
      return fail(Twine("input ") + Twine(i) + " ('" + info.name + "') is " +
                  kiln_dtype_name(info.dtype) + " but " + inFiles[i] + " holds " +
                  kiln_dtype_name(t->dtype));
    if (t->numElements() != info.num_elements ||
        !std::equal(t->shape.begin(), t->shape.end(), info.dims, info.dims + info.rank) ||
        (int64_t)t->shape.size() != info.rank)
      return fail(Twine("input ") + Twine(i) + " ('" + info.name + "') was compiled for " +
                  shapeText(info.dims, info.rank) + " but " + inFiles[i] + " has " +
                  shapeText(t->shape.data(), t->shape.size()));
    in.push_back(std::move(*t));
  }

  kiln_options options = {};
  options.weights_path = weightsPath.empty() ? nullptr : weightsPath.c_str();
  options.num_threads = threads;
  options.min_parallel_mflops = minParallelMflops;
  options.weights_placement = weightsPlacement;
  kiln_context *ctx = nullptr;
  kiln_error err;
  kiln_status s = kiln_context_create(model, &options, &ctx, &err);
  if (s != KILN_OK)
    return fail(Twine(kiln_status_string(s)) + ": " + err.message);

  std::vector<std::vector<char>> out(model->num_outputs);
  std::vector<const void *> inPtrs;
  std::vector<void *> outPtrs;
  for (auto &t : in)
    inPtrs.push_back(t.bytes.data());
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    out[i].resize(std::max<int64_t>(model->outputs[i].byte_size, 1));
    outPtrs.push_back(out[i].data());
  }
  if (serve) {
    // One warm-up run, then answer requests until stdin closes.
    kiln_run(ctx, inPtrs.data(), inPtrs.size(), outPtrs.data(), outPtrs.size());
    outs() << "ready " << kiln_context_num_threads(ctx) << "\n";
    outs().flush();
    char line[64];
    while (std::fgets(line, sizeof line, stdin)) {
      unsigned n = 0;
      if (std::sscanf(line, "run %u", &n) != 1)
        continue;
      outs() << "times";
      for (unsigned r = 0; r < n; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        s = kiln_run(ctx, inPtrs.data(), inPtrs.size(), outPtrs.data(), outPtrs.size());
        auto t1 = std::chrono::steady_clock::now();
        if (s != KILN_OK)
          return fail(Twine(kiln_status_string(s)) + ": " + kiln_context_error(ctx));
        outs() << " " << format("%.4f", std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      outs() << "\n";
      outs().flush();
    }
    kiln_context_destroy(ctx);
    return 0;
  }

  kiln_profile prof = {};
  std::vector<kiln_profile_call> callLog(profile ? 4096 : 0);
  prof.call_log = callLog.data();
  prof.call_capacity = callLog.size();
  if (profile) {
    // One unprofiled run first: page faults on the weights are not kernels.
    kiln_run(ctx, inPtrs.data(), inPtrs.size(), outPtrs.data(), outPtrs.size());
    kiln_context_set_profile(ctx, &prof);
  }
  std::vector<double> times;
  for (unsigned r = 0; r < std::max(1u, repeat.getValue()); ++r) {
    auto t0 = std::chrono::steady_clock::now();
    s = kiln_run(ctx, inPtrs.data(), inPtrs.size(), outPtrs.data(), outPtrs.size());
    auto t1 = std::chrono::steady_clock::now();
    if (s != KILN_OK)
      return fail(Twine(kiln_status_string(s)) + ": " + kiln_context_error(ctx));
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  if (repeat > 1) {
    llvm::sort(times);
    outs() << "median " << format("%.3f", times[times.size() / 2]) << " ms, p10 "
           << format("%.3f", times[times.size() / 10]) << " ms over " << repeat << " runs on "
           << kiln_context_num_threads(ctx) << " thread(s)\n";
  }

  if (profile && prof.runs)
    kiln::printProfile(outs(), prof, kiln_context_num_threads(ctx),
                       kiln_context_weights_placement(ctx));

  int status = 0;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    const kiln_tensor_info &info = model->outputs[i];
    if (!outDir.empty()) {
      HostBuffer t;
      t.dtype = info.dtype;
      t.shape.assign(info.dims, info.dims + info.rank);
      t.bytes = out[i];
      t.bytes.resize(info.byte_size);
      if (auto e = writeNpy(outDir + "/output_" + std::to_string(i) + ".npy", t))
        return fail(toString(std::move(e)));
    }
    if (i >= expFiles.size())
      continue;
    auto want = readTensorFile(expFiles[i]);
    if (!want)
      return fail(toString(want.takeError()));
    if (bitsCompatible(want->dtype, info.dtype))
      want->dtype = info.dtype;
    if (want->numElements() != info.num_elements)
      return fail(Twine("output ") + Twine(i) + " ('" + info.name + "') has " +
                  Twine(info.num_elements) + " elements; " + expFiles[i] + " has " +
                  Twine(want->numElements()));
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0, firstBad = -1;
    for (int64_t k = 0; k < info.num_elements; ++k) {
      double a = elementAt(out[i].data(), info.dtype, k);
      double b = elementAt(want->bytes.data(), want->dtype, k);
      if (std::isnan(a) && std::isnan(b))
        continue;
      if (std::isinf(a) && std::isinf(b) && (a > 0) == (b > 0))
        continue;
      double d = std::fabs(a - b);
      if (std::isnan(d))
        d = INFINITY;
      maxAbs = std::max(maxAbs, d);
      if (std::fabs(b) > 1e-6)
        maxRel = std::max(maxRel, d / std::fabs(b));
      if (!(d <= absTol + relTol * std::fabs(b))) {
        if (firstBad < 0)
          firstBad = k;
        ++bad;
      }
    }
    outs() << "output " << i << " '" << info.name << "': max abs err "
           << format("%.3g", maxAbs) << ", max rel err " << format("%.3g", maxRel);
    if (bad) {
      outs() << ", " << bad << "/" << info.num_elements << " outside tolerance (first at "
             << firstBad << ": got " << elementAt(out[i].data(), info.dtype, firstBad)
             << ", want " << elementAt(want->bytes.data(), want->dtype, firstBad) << ")";
      status = 1;
    }
    outs() << (bad ? "  FAIL\n" : "  ok\n");
  }
  kiln_context_destroy(ctx);
  return status;
}
