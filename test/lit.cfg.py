# Kiln's lit configuration: IR tests for the dialect and passes, importer
# tests on small committed .onnx files, and end-to-end tests.
import os
import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.environment["PATH"] = os.pathsep.join(
    [config.kiln_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%corpus", os.path.join(config.kiln_src_root, "test", "corpus")))
config.substitutions.append(("%kiln_obj", config.kiln_obj_root))

import shutil
import platform
# The kernel benchmarks are built on x86-64 hosts only.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64-host")
# AArch64 tests need the cross toolchain, the cross-built runtime and qemu;
# without them lit reports those tests as UNSUPPORTED.
if (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")
        and os.path.exists(os.path.join(config.kiln_obj_root, "lib", "aarch64-linux-gnu", "libkiln_rt.a"))):
    config.available_features.add("aarch64-cross")
else:
    lit_config.note("AArch64 tests skipped: install gcc-aarch64-linux-gnu, "
                    "libc6-dev-arm64-cross and qemu-user (scripts/setup.sh does)")
