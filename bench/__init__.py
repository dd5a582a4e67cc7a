"""Benchmarks that report numbers (RealTime QA slices, ingest and answer speed, load), never pass/fail gates. They build
newsqa through `newsqa.app` as the `newsqa` command does, and may import anything below it; no product code imports bench (tests do)."""
