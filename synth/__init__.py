"""Synthetic annual reports (政府信息公开工作年度报告) with gold records: the extractor's test corpus.

`generate(count, out_dir, layouts, seed, error_rate, progress)` writes documents in eleven layouts seen
in the wild (spec §9) and the gold of what each prints. Modules: `places`, `numbers`, `labels`,
`printing`, `errors`, `narrative`, `nonreport` build a `model.Report`; `render/*` turn it into bytes;
`identities` checks spec §3 on gold cells; `cli.synth_command` is the command-line entry.
"""

from synth.corpus import LAYOUTS, document, generate

__all__ = ["LAYOUTS", "document", "generate"]
