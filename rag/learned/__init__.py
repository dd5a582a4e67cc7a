"""The learned models newsqa answers with, as data (JSON trees, linear models, the judge's setting, the support
check, the reader's LoRA adapter) and the NumPy code that evaluates them; the shipped files live in this directory. Inference only: the
fitting is in `rag.training`. May import: ground and NumPy."""

from rag.learned.models import DEFAULT_DIR, Models, Reader

__all__ = ["DEFAULT_DIR", "Models", "Reader"]
