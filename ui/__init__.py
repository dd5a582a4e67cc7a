"""What people and scripts touch: the `newsqa` command, the Gradio chat, the HTTP API (with its OpenAI-compatible
routes) and its Python client. The only part that imports gradio; it builds its parts through `newsqa.app` and may
use `rag` directly (`newsqa eval` and `newsqa train` call `rag.evaluate` and `rag.training`)."""
