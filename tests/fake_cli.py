"""`python -m tests.fake_cli ARGS`: the real `newsqa` command over fake models (fast subprocess tests).

The store, the lock and every code path are real; only the embedder and the LLM are the
deterministic fakes of conftest, so a process starts in a second instead of ten.
"""

import sys

from newsqa import Settings
from newsqa.app import Services
from ui.cli import READ_ONLY_COMMANDS, cli

from .conftest import FakeEmbeddings, fake_llm


def main(argv: list[str]) -> None:
    settings = Settings.from_env(chunk_tokens=60, chunk_overlap=12)
    command = next((a for a in argv if not a.startswith("-")), "")
    services = Services(settings, exclusive=command not in READ_ONLY_COMMANDS,
                        embeddings=FakeEmbeddings(), llm=fake_llm(" unknown"))
    cli.main(argv, prog_name="newsqa", obj=services)


if __name__ == "__main__":
    main(sys.argv[1:])
