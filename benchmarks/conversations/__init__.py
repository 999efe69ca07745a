"""Synthetic multi-session conversations between two named people, for the context benchmark.

Deterministic from a seed, no downloads. Modelled on real long-term chat benchmarks
(LoCoMo, LongMemEval): months of sessions, mostly small talk, facts stated once in passing
(often in an answer that shares few words with the later question), facts that change,
look-alike events on other dates, multi-hop and temporal questions, paraphrases.
"""
