"""Imported once by the process that forks the map stage's workers (mapping's pool context),
so every worker starts with the stages imported, the character table built and
the compiled kernels loaded, instead of paying for it each."""

from .. import pipeline  # noqa: F401 - importing the stages is the point
from ..accel import kernels
from .normalize import char_table

char_table()
kernels.warm_up()
