//! Stage 5: rendered pages, math, plots, site on disk.
