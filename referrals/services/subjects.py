"""Whom referrals name (`referrals.subjects`): resolving, indexing and matching when a
referral is sent, the SMLO opening a match, forgetting with the personal data, and the
data protection officer's search by subject.

The order when a referral is sent (`Intake`): resolve the e-mail to a directory object
id (so the referral, and every notice about it, avoids an SMLO it is about), index it
while it is still a draft (an index row of a referral never sent matches nothing, since
only sent referrals are ever shown), save it sent, then match. A crash between the save
and the match loses the alert for that referral, never the referral.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from referrals import errors
from referrals.audit import SUBJECT_SEARCH, AuditAction, Outcome
from referrals.intake import IntakeAnswers
from referrals.people import Actor
from referrals.referral import Referral
from referrals.roster import Directory, exact_matches
from referrals.services.steps import Steps
from referrals.states import ReferralState
from referrals.subjects import (
    BlindIndex,
    Identifier,
    IdentifierKind,
    SubjectMark,
    identifiers,
    marks_for,
    matches,
    normalise_email,
    normalise_name,
    normalise_number,
)

log = logging.getLogger(__name__)
A = AuditAction
# The referrer is waiting for their receipt: a directory slower than this is not waited
# for (the e-mail is still indexed as typed; only the object id is missed).
RESOLVE_WITHIN = 5.0


def _directory_id(text: str) -> str:
    return text.strip().lower()


NORMALISE: dict[IdentifierKind, Callable[[str], str]] = {
    IdentifierKind.NAME: normalise_name,
    IdentifierKind.NUMBER: normalise_number,
    IdentifierKind.EMAIL: normalise_email,
    IdentifierKind.DIRECTORY: _directory_id,
}


@dataclass(frozen=True)
class Subjects:
    steps: Steps
    # None: no blind index key was given, so nothing is indexed or matched (a test that
    # does not need it; production refuses to start without SMA_BLIND_INDEX_KEY).
    blind: BlindIndex | None = None
    directory: Directory | None = None  # None: e-mails are indexed, never resolved

    async def resolve(self, answers: IntakeAnswers) -> str:
        """The directory object id of the e-mail or UPN the person gave, if exactly one
        person has it; "" otherwise, or when the directory cannot be asked (the e-mail is
        still matched as typed)."""
        email = normalise_email(answers.subject_email)
        if not email or self.directory is None:
            return ""
        try:
            async with asyncio.timeout(RESOLVE_WITHIN):
                found = exact_matches(await self.directory.find_people(email), email)
        except (errors.DirectoryUnavailable, TimeoutError):
            log.warning("subjects: the directory did not answer; indexed without its id")
            return ""
        return found[0].user_id if len(found) == 1 else ""

    def warn_if_no_one_else(self, referral: Referral) -> None:
        """A referral about the only SMLO reaches nobody (they may not see it): say so in
        the log, by id only, so the service can name a deputy (`SMA_SMLO_IDS`)."""
        smlos = set(self.steps.smlo_ids)
        if smlos and not smlos - {referral.answers.subject_user_id}:
            log.error("subjects: %s is about the only SMLO; no other SMLO can see it", referral.id)

    def marks(self, referral: Referral) -> tuple[SubjectMark, ...]:
        if self.blind is None or not referral.answers.names_someone:
            return ()
        a = referral.answers
        found = identifiers(a.subject_name, a.subject_number, a.subject_email, a.subject_user_id)
        return marks_for(referral.id, _who_referred(referral), found, self.blind)

    async def index(self, referral: Referral) -> None:
        await self.steps.stores.subjects.put(referral.id, self.marks(referral))

    async def match_after_sending(self, referral: Referral) -> tuple[str, ...]:
        """`match`, once the referral is safely sent: a store that fails now must not tell
        the person their referral failed (it did not). Nothing is lost for good: the
        rows are stored, and the next referral naming the same person matches the whole
        group, this one among them (a repeated match alerts nobody twice).

        A referral that names no one was indexed with no rows just now, so nothing can
        match it: the store is not asked (most referrals; two reads saved per send)."""
        if not self.marks(referral):
            return ()
        try:
            return await self.match(referral)
        except Exception as error:  # the store, say; never the words, which are not in it
            log.error("subjects: matching %s failed: %s", referral.id, type(error).__name__)
            return ()

    async def match(self, referral: Referral) -> tuple[str, ...]:
        """After `referral` was sent: if someone else named the same person, alert the
        SMLOs (naming only the references) and release every held subject among them.
        Returns the references matched (empty: none)."""
        if self.blind is None:
            return ()
        stored = await self.steps.stores.subjects.sharing(referral.id)
        found = [await self._sent(i) for i in matches(referral.id, stored)]
        group = [r for r in found if r is not None]
        if len({_who_referred(r) for r in group}) < 2:  # an erased referrer is gone from it
            return ()
        now = self.steps.clock.now()
        for other in group[1:]:
            await self._system_change(other.id, lambda r: r.release_subject(now))
        references = tuple(r.reference for r in group)
        smlos = self.steps.smlo_ids

        def alert(r: Referral) -> None:
            r.release_subject(now)
            # Never to an SMLO any of them is about (each referral keeps its own out), nor
            # to one who made one of them in Teams: a referrer is never told of another.
            avoid = {o.answers.subject_user_id for o in group} | _made_in_teams(group)
            r.record_subject_match(references, [s for s in smlos if s not in avoid], now)

        await self._system_change(referral.id, alert)
        log.info(
            "subjects: %s may be about the same person as %d other(s)", referral.id, len(group) - 1
        )
        return references

    async def _sent(self, referral_id: str) -> Referral | None:
        try:
            found = await self.steps.stores.referrals.get(referral_id)
        except errors.ReferralNotFound:
            return None
        if found.state is ReferralState.DRAFT or found.is_erased:
            return None
        return found

    async def _system_change(self, referral_id: str, act: Callable[[Referral], object]) -> None:
        """Load, act, save, once more on a lost race: a change nobody asked for, kept on
        the referral's history (by the system), as the timers' changes are."""
        for attempt in range(2):
            referral = await self.steps.stores.referrals.get(referral_id)
            act(referral)
            try:
                await self.steps.stores.referrals.save(referral)
                return
            except errors.ConcurrentUpdate:
                if attempt:
                    raise

    async def open_match(self, actor: Actor, referral_id: str) -> tuple[Referral, list[Referral]]:
        """The referrals that may be about the same person as `referral_id`, as they stand
        now (withdrawn or purged ones are gone): for an SMLO it is not about; audited."""
        referral = await self.steps.load(actor, referral_id, A.OPEN_SUBJECT_MATCH)
        async with self.steps.audited(actor, referral, A.OPEN_SUBJECT_MATCH):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)
            stored = await self.steps.stores.subjects.sharing(referral.id)
            found = [await self._sent(i) for i in matches(referral.id, stored)[1:]]
            others = [r for r in found if r is not None and not r.is_subject(actor.user_id)]
            if actor.user_id in _made_in_teams([referral, *others]):  # a referrer, here
                raise errors.NotPermitted(f"{actor.user_id} made one of {referral.id}'s match")
        return referral, others

    async def forget(self, referral: Referral) -> None:
        """With the personal data: the referral's index rows go too."""
        if referral.is_erased:
            await self.steps.stores.subjects.forget(referral.id)

    async def reindex_all(self) -> int:
        """Recompute every sent referral's rows from its sealed answers under this key
        (after the blind index key changed: `ops.reindex`); erased ones keep none. Safe to
        run again. How many referrals name someone."""
        if self.blind is None:
            raise errors.NotPermitted("no blind index key")
        sent = set(ReferralState) - {ReferralState.DRAFT}
        naming = 0
        for referral in await self.steps.stores.referrals.list_in_states(sent):
            marks = () if referral.is_erased else self.marks(referral)
            await self.steps.stores.subjects.put(referral.id, marks)
            naming += bool(marks)
        return naming

    async def search(self, actor: Actor, kind: IdentifierKind, text: str) -> list[Referral]:
        """For the data protection officer (ops.subject_access): the referrals that name
        this identifier, found by its blind index; audited, never content."""
        if self.blind is None:
            raise errors.NotPermitted("no blind index key")
        value = NORMALISE[kind](text)
        await self.steps.record(actor, SUBJECT_SEARCH, None, A.SEARCH_BY_SUBJECT, Outcome.ALLOWED)
        if not value:
            return []
        rows = await self.steps.stores.subjects.find(self.blind.of(Identifier(kind, value)))
        found = [await self._sent(i) for i in dict.fromkeys(m.referral_id for m in rows)]
        return [r for r in found if r is not None]


def _made_in_teams(group: list[Referral]) -> set[str]:
    """Who made any of `group` in Teams, for themselves or someone else: referrers, even an
    SMLO (who took one for someone without Teams made it as staff, and is not here)."""
    return {r.referrer_id for r in group if r.referrer_id and not r.outside_teams}


def _who_referred(referral: Referral) -> str:
    """Whose concern it is, for telling referrers apart. A referral an SMLO took for
    someone without Teams is the caller's, not the SMLO's: two callers who name the same
    person through the same SMLO are two people (the referral id stands for the caller,
    whom the service knows only by the contact details they gave)."""
    return f"outside:{referral.id}" if referral.outside_teams else referral.referrer_id
