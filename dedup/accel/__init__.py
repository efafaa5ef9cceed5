"""Speed, not results: which loops run compiled (kernels; the loops themselves are the
C extension _native, built from native/), and how freed memory goes back to the OS (memory)."""
