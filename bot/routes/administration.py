"""Routes of the SMLO running the service: the roster, the figures (and the figures as a
spreadsheet file), and messages Teams would not take.

Who may do what is decided by the use cases from the server-side actor.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.files import FileMakers
from bot.routing import Routes, Turn
from cards import smlo
from cards.delivery import undelivered_card
from cards.parsers import figures_period
from cards.reply import FileOffer, Reply
from cards.requests import ChangeRoster, ChooseAdvocate, RetryDelivery, ShowFigures
from cards.roster import roster_change_card
from cards.statistics import statistics_card
from cards.support import directory_card
from cards.verbs import Verb
from exports.figures import description, figures_file, file_name
from exports.scrutiny import description as scrutiny_description
from exports.scrutiny import file_name as scrutiny_file_name
from exports.scrutiny import scrutiny_workbook
from referrals import errors
from referrals.availability import today
from referrals.people import Actor
from referrals.roster_changes import RosterChange
from referrals.services import Administration, Checkins
from referrals.support import SupportDirectory

FIGURES = "figures"  # the kind of file the figures are offered as (bot/files.py)
SCRUTINY = "scrutiny"  # the scrutiny panel's rows


class AdministrationRoutes:
    def __init__(
        self, administration: Administration, directory: SupportDirectory, checkins: Checkins
    ) -> None:
        self._admin = administration
        self._checkins = checkins  # the roster shows each advocate's latest check-in
        self._directory = directory

    def table(self) -> Routes:
        return {
            Verb.UNDELIVERED: self.undelivered,
            Verb.RETRY_DELIVERY: self.retry_delivery,
            Verb.STATISTICS: self.statistics,
            Verb.FIGURES_FILE: self.figures_file,
            Verb.SCRUTINY_FILE: self.scrutiny_file,
            Verb.ROSTER: self.roster,
            Verb.ADD_ADVOCATE: self.change_roster,
            Verb.REMOVE_ADVOCATE: self.change_roster,
            Verb.ADD_CHOSEN: self.change_roster_to_chosen,
            Verb.REMOVE_CHOSEN: self.change_roster_to_chosen,
            Verb.DIRECTORY: self.directory,
        }

    async def directory(self, turn: Turn) -> Reply:
        """The SMLO's view of the support directory, with the services still to fill in."""
        if not turn.actor.is_smlo:
            raise errors.NotAnSmlo(turn.actor.user_id)
        return Reply(directory_card(self._directory))

    async def undelivered(self, turn: Turn, notice: str = "") -> Reply:
        items = await self._admin.undelivered(turn.actor)
        names = await self._admin.advocate_names()
        return Reply(undelivered_card(items, self._admin.steps.smlo_ids, names, notice))

    async def retry_delivery(self, turn: Turn) -> Reply:
        notification_id = turn.wants(RetryDelivery).notification_id
        queued = await self._admin.retry_delivery(turn.actor, notification_id)
        notice = "We are trying again now." if queued else "That one has already gone again."
        return await self.undelivered(turn, notice)

    async def statistics(self, turn: Turn) -> Reply:
        """`stats` typed (the latest ended review), or another chosen on the figures card."""
        chosen = turn.request.period if isinstance(turn.request, ShowFigures) else None
        figures = await self._admin.statistics(turn.actor, chosen)
        return Reply(statistics_card(figures.report, figures.offered))

    async def figures_file(self, turn: Turn) -> Reply:
        """`stats file` typed (the latest ended review), or "Get this as a spreadsheet" on
        the figures card (its review, whose card stays): the figures offered as a file. It
        is made here only to give its size; `make_figures_file` makes it again, checked
        again, when the SMLO accepts."""
        clicked = isinstance(turn.request, ShowFigures)
        chosen = turn.request.period if isinstance(turn.request, ShowFigures) else None
        figures = await self._admin.statistics(turn.actor, chosen)
        report, card = figures.report, statistics_card(figures.report, figures.offered)
        if report is None:
            return Reply(card)
        period = chosen or figures.offered[0]  # as the use case chose
        size = len(figures_file(report))
        context = {"period": period.id}
        offer = FileOffer(FIGURES, file_name(report), description(report), size, context)
        return Reply(card if clicked else None, file=offer)

    async def scrutiny_file(self, turn: Turn) -> Reply:
        """`scrutiny file` typed (the latest ended review), or the button on a review's
        figures card (whose card stays): the panel's rows offered as a file, made here to
        give its size and again, checked again, when the SMLO accepts."""
        clicked = isinstance(turn.request, ShowFigures)
        chosen = turn.request.period if isinstance(turn.request, ShowFigures) else None
        export = await self._admin.scrutiny_export(turn.actor, chosen)
        if export is None:
            return Reply(statistics_card(None))
        card = None
        if clicked:  # pressed on the figures card: it stays as it was
            figures = await self._admin.statistics(turn.actor, chosen)
            card = statistics_card(figures.report, figures.offered)
        size = len(scrutiny_workbook(export))
        context = {"period": export.period.id}
        what = scrutiny_description(export)
        offer = FileOffer(SCRUTINY, scrutiny_file_name(export), what, size, context)
        return Reply(card, file=offer)

    def files(self) -> FileMakers:
        return {FIGURES: self.make_figures_file, SCRUTINY: self.make_scrutiny_file}

    async def make_scrutiny_file(self, actor: Actor, context: Mapping[str, str]) -> bytes:
        """The panel's file the SMLO accepted: its review, if this person may still have
        it and it is still on offer (audited as an export)."""
        export = await self._admin.scrutiny_export(actor, figures_period(context))
        if export is None:  # a review on offer always has an export
            raise errors.PeriodNotOffered()
        return scrutiny_workbook(export)

    async def make_figures_file(self, actor: Actor, context: Mapping[str, str]) -> bytes:
        """The figures file the SMLO accepted: the review its offer named, if this person
        may still have it and it is still on offer (audited as the figures saved)."""
        figures = await self._admin.export_statistics(actor, figures_period(context))
        if figures.report is None:  # a period on offer always has figures
            raise errors.PeriodNotOffered()
        return figures_file(figures.report)

    async def roster(self, turn: Turn) -> Reply:
        advocates = await self._admin.roster(turn.actor)
        steps = self._admin.steps
        on = today(steps.clock.now())
        checkins = await self._checkins.latest(turn.actor)
        return Reply(smlo.roster_card(advocates, steps.caseload_limit, on, checkins))

    async def change_roster(self, turn: Turn) -> Reply:
        """`add advocate …` / `remove advocate …`, typed or from the roster card."""
        person = turn.wants(ChangeRoster).person
        return Reply(roster_change_card(await self._roster_change(turn, person)))

    async def change_roster_to_chosen(self, turn: Turn) -> Reply:
        """One of the people a name matched, picked on the roster change card."""
        chosen = turn.wants(ChooseAdvocate)
        return Reply(
            roster_change_card(await self._roster_change(turn, chosen.asked, chosen.user_id))
        )

    async def _roster_change(self, turn: Turn, who: str, chosen_id: str = "") -> RosterChange:
        if turn.request.verb in (Verb.ADD_ADVOCATE, Verb.ADD_CHOSEN):
            return await self._admin.add_advocate(turn.actor, who, chosen_id)
        return await self._admin.remove_advocate(turn.actor, who, chosen_id)
