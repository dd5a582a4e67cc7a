"""llama-cpp-python's OpenAI-compatible server on newsqa's portable llama.cpp build.

`python -m newsqa.llama_server --model PATH [...]` takes llama_cpp.server's own options. The portable
build keeps llama.cpp's CPU code in per-CPU libraries (rag/llm/native.py), which `python -m llama_cpp.server`
alone would not find; this loads the right one first.
"""

from newsqa.settings import Settings
from rag.llm.native import load_cpu_backend


def main() -> None:
    load_cpu_backend(Settings.from_env().llama_cpu)
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
