"""Background work: webhook delivery and verification runs (writes that workers make)."""
