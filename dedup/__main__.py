"""`python -m dedup`: the dedup command."""

from .cli import main

if __name__ == "__main__":  # not when a worker process imports it
    main()
