"""The audit sheet (审核单): one static HTML page per report in the official template layout, and the index."""
