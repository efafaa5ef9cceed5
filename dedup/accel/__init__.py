"""Speed, not results: which loops run compiled (kernels), the numba loops themselves
(numba_kernels), and how freed memory goes back to the OS (memory)."""
