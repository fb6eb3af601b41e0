"""The estimates kept, in public: per body, the share of last week's visitors called within the wait they
were shown, for the hall screens and the join page (services/reports.estimates_kept). Empty when the
centre keeps it to itself (`show_estimates_kept: false`)."""

from __future__ import annotations

from ..extensions import runtime
from ..services import reports
from ..services.catalog import CentreCatalog
from ..store.database import utcnow


def public_estimates(centre: CentreCatalog) -> dict[str, float]:
    if not centre.config.show_estimates_kept:
        return {}
    with runtime().db.reading() as session:
        return reports.estimates_kept(session, centre, utcnow())
