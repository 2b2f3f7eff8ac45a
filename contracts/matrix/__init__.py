"""can-i-deploy as a pipeline: resolve selectors, fetch rows, decide (pure)."""
