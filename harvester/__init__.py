"""The harvester: pulls member records over OAI-PMH and stores them in the catalog.

Imports `catalog` and `config` only; never `index` or `webapp`. Owns sickle and requests.
"""

from harvester.hosts import harvest_libraries
from harvester.oai import Identity, OAIClient
from harvester.run import HarvestOptions, harvest_library
from harvester.sweep import SweepSummary, sweep_deletions

__all__ = [
    "HarvestOptions",
    "Identity",
    "OAIClient",
    "SweepSummary",
    "harvest_libraries",
    "harvest_library",
    "sweep_deletions",
]
