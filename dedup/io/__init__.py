"""The only modules that touch files: readers (inputs → Documents) and writers (a ScanResult → outputs)."""
