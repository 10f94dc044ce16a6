"""Opening a code's full page: the record and the charge.

An unknown code is 404 and costs nothing, so the charge must not outrun the catalog. When the
search index already knows the code (the live release, no date asked for), the record read
and the charge run side by side: one round trip to the stores instead of two; the page's
other reads (the levels above, the children, the codes its notes name) then go out while the
charge may still be writing, so they share its second round trip instead of adding a third.
Should the catalog still not have the code (an index built from another release), the view
is given back before the 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from coderef.accounts.metering import Charge, StartBeside, Viewer, ViewMeter
from coderef.catalog.codes import normalize_code, resolve_system
from coderef.catalog.lookup import CodeLookup, CodePage
from coderef.catalog.records import CodeRecord
from coderef.errors import CodeRefError, NotSignedIn, ViewLimitReached

log = logging.getLogger("coderef.accounts")


@dataclass(frozen=True)
class PageCharge:
    """What the meter said: a charge, or the wall; and whether the member's session was over
    (the page was then paid as a guest's)."""

    charge: Charge | None = None
    wall: ViewLimitReached | None = None
    session_ended: bool = False


@dataclass(frozen=True)
class OpenedPage:
    record: CodeRecord
    paid: PageCharge
    page: CodePage | None = None  # built beside the charge, for the viewer as it claimed to be


class CodePages:
    def __init__(
        self,
        lookup: CodeLookup,
        meter: ViewMeter,
        index_has: Callable[[str, str], bool],
        start_beside: StartBeside,
    ) -> None:
        self.lookup = lookup
        self.meter = meter
        self.index_has = index_has
        self.start_beside = start_beside

    def open(
        self,
        viewer: Viewer,
        system_raw: str,
        code_raw: str,
        on_date: date | None,
        address: Callable[[], str],
    ) -> OpenedPage:
        known = None if on_date else self._known(system_raw, code_raw)
        if known is None:
            record = self.lookup.record(system_raw, code_raw, on_date)
            return OpenedPage(record, self.pay(viewer, record.system, record.key, address))
        system, key = known
        wait_for_payment = self.start_beside(lambda: self.pay(viewer, system, key, address))
        try:
            record = self.lookup.record(system, key)
            page = self.lookup.page_of(record, registered=viewer.is_registered)
        except CodeRefError:
            self._give_back(wait_for_payment, system, key)
            raise
        return OpenedPage(record, wait_for_payment(), page)

    def _known(self, system_raw: str, code_raw: str) -> tuple[str, str] | None:
        system = resolve_system(system_raw).id
        key = normalize_code(code_raw)
        return (system, key) if self.index_has(system, key) else None

    def reopened(self, viewer: Viewer, system: str, key: str) -> PageCharge | None:
        """A re-open's free charge from one read, or None for `pay` to decide (ViewMeter)."""
        charge = self.meter.reopened(viewer, system, key)
        return PageCharge(charge=charge) if charge is not None else None

    def pay(self, viewer: Viewer, system: str, key: str, address: Callable[[], str]) -> PageCharge:
        """The charge for a code known to exist (`open` reads the record first or beside it; a
        kept page was built from this release set): an ended session reads on as its guest."""
        try:
            return self._charge(viewer, system, key, address)
        except NotSignedIn:
            # Logged out elsewhere or expired: this browser reads on as the guest it is.
            paid = self._charge(viewer.as_guest(), system, key, address)
            return replace(paid, session_ended=True)

    def _charge(
        self, viewer: Viewer, system: str, key: str, address: Callable[[], str]
    ) -> PageCharge:
        try:
            return PageCharge(charge=self.meter.charge(viewer, system, key, address()))
        except ViewLimitReached as wall:
            return PageCharge(wall=wall)

    def _give_back(self, wait_for_payment: Callable[[], PageCharge], system: str, key: str) -> None:
        """The record read failed after the charge started: undo the charge, if it took a view.
        The record's error is what the reader hears, so the charge's own error is only logged."""
        try:
            paid = wait_for_payment()
            if paid.charge:
                self.meter.refund(paid.charge, system, key)
        except CodeRefError as exc:
            log.warning("charge beside a failed record read did not settle: %s", exc.code)
