"""Private helpers shared by every layer: argument checks, chains of products, atomic files,
and the one seam for parallel work (:class:`~.parallel.Executor`, re-exported by the package)."""
