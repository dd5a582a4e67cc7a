"""llama.cpp runs on any x86-64-v2 CPU: the installed build's libraries, the variant newsqa picks, and the
start-up probe that turns a native crash into a message."""

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsqa import ModelError
from newsqa.app import Services
from newsqa.probe import NativeCrash, Prober
from rag.llm import native
from rag.llm.native import VARIANT_FLAGS, cpu_flags, library_dir, pick_variant, variants
from ui.cli import cli

from .conftest import ROOT, FakeEmbeddings

sys.path.insert(0, str(Path(ROOT) / "tools"))
import portable_llama  # noqa: E402

AMX = re.compile(r"%tmm\d|\b(ldtilecfg|sttilecfg|tilerelease|tilezero|tileloadd\w*|tilestored|tdp\w+)\b")
YMM, ZMM = re.compile(r"%ymm\d"), re.compile(r"%zmm\d")
objdump = pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")


@cache
def disassembly(name: str) -> str:
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library_dir() / name)],
                          capture_output=True, text=True, check=True).stdout


def test_installed_llama_is_the_portable_recipe():
    assert portable_llama.installed_id() == portable_llama.recipe_id()
    assert sorted(variants()) == sorted(portable_llama.VARIANTS) == sorted(VARIANT_FLAGS)
    assert "-DGGML_NATIVE=OFF" in portable_llama.CMAKE_ARGS
    assert not any("AMX" in flags for flags in portable_llama.VARIANTS.values())


def test_the_recipe_hash_changes_with_anything_that_changes_the_build():
    spec = portable_llama.recipe()
    assert portable_llama.recipe_id(spec) == portable_llama.recipe_id()
    for change in ({"cmake_args": spec["cmake_args"] + ["-DGGML_NATIVE=ON"]}, {"version": "0.3.37"},
                   {"variants": {**spec["variants"], "sapphirerapids": "AMX_TILE"}}):
        assert portable_llama.recipe_id({**spec, **change}) != portable_llama.recipe_id()


@objdump
def test_no_library_has_tile_instructions():
    names = sorted({p.name.split(".so")[0] + ".so" for p in library_dir().glob("*.so*")})
    assert "libllama.so" in names and "libggml-cpu-sse42.so" in names
    for name in names:
        assert not AMX.search(disassembly(name)), f"{name} has AMX tile instructions"


@objdump
@pytest.mark.parametrize("name", ["libllama.so", "libggml.so", "libggml-base.so", "libggml-cpu-sse42.so"])
def test_what_every_cpu_loads_has_no_avx(name):
    """No -march=native anywhere: the libraries loaded on every CPU use no AVX registers."""
    code = disassembly(name)
    assert not YMM.search(code) and not ZMM.search(code), f"{name} uses AVX registers"


@objdump
def test_each_variant_stays_within_its_instruction_set():
    assert not ZMM.search(disassembly("libggml-cpu-haswell.so"))
    assert YMM.search(disassembly("libggml-cpu-haswell.so"))  # and it is really the AVX2 build
    assert ZMM.search(disassembly("libggml-cpu-skylakex.so"))


def test_newsqa_picks_by_what_the_kernel_lets_programs_use():
    amx_vm = VARIANT_FLAGS["icelake"] | {"amx_tile", "amx_int8", "amx_bf16", "avx512_bf16"}
    assert pick_variant(amx_vm, variants()) == "icelake"
    assert pick_variant(VARIANT_FLAGS["haswell"] | {"avx512f"}, variants()) == "haswell"  # half of AVX-512 is not enough
    assert pick_variant({"sse4_2", "ssse3", "popcnt"}, variants()) == "sse42"


@pytest.mark.e2e
def test_the_probe_runs_the_embedded_llm_on_this_cpu(settings):
    found = Prober().run(settings, "llm")
    assert found["llama_cpu"] == pick_variant(cpu_flags(), variants())
    assert found["generated"] > 0


@pytest.mark.e2e
def test_a_named_variant_is_used(settings):
    found = Prober().run(settings.with_(llama_cpu="sse42"), "llm")
    assert found == {"llama_cpu": "sse42", "generated": found["generated"]}


def test_an_unknown_variant_is_a_clear_error(settings):
    with pytest.raises(ModelError, match="not one of this build's CPU variants: icelake"):
        Prober().run(settings.with_(llama_cpu="pentium"), "llm")


def crashing(components=("llm", "embedder"), runs=None):
    """A launcher whose child kills itself with SIGILL for `components`, as a library built for another
    CPU does; for the others (and for the llama.cpp variants in `runs`) it reports success."""

    def launch(settings, component):
        if component in components and settings.llama_cpu not in (runs or ()):
            return [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]
        return [sys.executable, "-c", f"print({json.dumps(json.dumps({'llama_cpu': settings.llama_cpu}))})"]

    return launch


@pytest.mark.parametrize("component, fix", [("embedder", "export NEWSQA_EMBEDDER=torch"),
                                            ("llm", "export NEWSQA_LLAMA_CPU=haswell")])
def test_a_crashing_library_becomes_one_paragraph_with_the_fix(settings, monkeypatch, component, fix):
    monkeypatch.setattr(native, "cpu_flags", lambda: VARIANT_FLAGS["icelake"])
    with pytest.raises(NativeCrash) as caught:
        Prober(crashing([component], runs=["haswell", "sse42"])).run(settings, component)
    message = str(caught.value)
    assert "crashed with SIGILL (illegal instruction)" in message
    assert message.endswith(f"Fix: {fix}") and "\n" not in message


def test_the_fix_for_a_build_without_variants_is_the_portable_setup(settings, monkeypatch):
    monkeypatch.setattr(native, "variants", lambda lib_dir=None: [])
    with pytest.raises(NativeCrash, match=r"Fix: make setup"):
        Prober(crashing()).run(settings, "llm")


def test_when_no_variant_runs_the_fix_is_a_server(settings):
    with pytest.raises(NativeCrash, match=r"Fix: export NEWSQA_LLM=openai"):
        Prober(crashing()).run(settings, "llm")


def test_a_passing_probe_is_remembered_per_setting(settings):
    launches = []

    def counting(settings, component):
        launches.append(settings.llama_cpu)
        return crashing(components=())(settings, component)

    prober = Prober(counting)
    assert prober.ensure(settings, "llm") == {"llama_cpu": None}
    assert prober.ensure(settings, "llm") == {"llama_cpu": None}
    prober.ensure(settings.with_(llama_cpu="haswell"), "llm")
    assert launches == [None, "haswell"]
    assert json.loads((settings.home / "probes.json").read_text())


def test_a_failing_child_is_a_model_error_not_a_crash(settings):
    prober = Prober(lambda s, c: [sys.executable, "-c", "import sys; sys.exit('error: the model file is damaged')"])
    with pytest.raises(ModelError, match="failed to load: error: the model file is damaged") as caught:
        prober.run(settings, "embedder")
    assert not isinstance(caught.value, NativeCrash)


def test_serve_stops_with_the_message_instead_of_dying(settings):
    services = Services(settings, embeddings=FakeEmbeddings(), prober=Prober(crashing(["llm"])))
    result = CliRunner().invoke(cli, ["serve", "--port", "1"], obj=services)
    assert result.exit_code == 1
    assert "error: The embedded LLM (llama.cpp) crashed with SIGILL" in result.output
    assert "Traceback" not in result.output


def test_check_reports_what_each_model_ran_on(settings):
    services = Services(settings, prober=Prober(crashing(components=())))
    result = CliRunner().invoke(cli, ["check"], obj=services)
    assert result.exit_code == 0, result.output
    assert "embedder: runs" in result.output and "llm: runs" in result.output
