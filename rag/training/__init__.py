"""`newsqa train`: learning the ranker, the answer scorer, its threshold, the judge's setting, multiple choice and
the sentence model from past news questions, and fine-tuning the embedded LLM as a reader. The only part of
newsqa that imports scikit-learn, peft or transformers (answering needs none of them). May import every other room
of rag, `ingest` and the ground; never the composition root or `ui`."""
