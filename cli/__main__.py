"""`python -m cli`: the same as `unioncat`."""

from . import main

main()
