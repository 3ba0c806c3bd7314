"""The read models' names, in the order they are listed (events/readmodels.py computes them,
node/views.py serves them). Apart from the rest so that `solnet --help` names them without
loading the read models."""
from __future__ import annotations

VIEWS = ("regions", "actions", "timeline", "past-actions", "fundraisers", "needs", "support", "capacity", "alerts",
         "alert-history", "resources", "groups")
