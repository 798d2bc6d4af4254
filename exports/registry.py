"""Exporters are small classes behind one registry (as in pretalx); routes only look them up.

Each exporter turns an event into bytes plus what HTTP caching needs; none of them knows HTTP.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from events.tables import Event, Participant
from exports import digest, frab, ical, printable, tabular
from exports.schedule import Schedule, load_schedule
from unconf import i18n
from unconf.cache import read_cache

Access = Literal["public", "organizer"]


@dataclass
class ExportContext:
    event: Event
    viewer: Participant | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    body: bytes
    media_type: str
    filename: str
    last_modified: datetime | None = None
    inline: bool = False
    private: bool = False


class Exporter(ABC):
    """One downloadable format. Subclasses set the class attributes and implement ``body``."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    media_type: ClassVar[str]
    access: ClassVar[Access] = "public"
    inline: ClassVar[bool] = False

    def filename(self, event: Event) -> str:
        return f"{event.slug}-{self.identifier}"

    @abstractmethod
    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]: ...

    async def render(self, ctx: ExportContext) -> Rendered:
        # Every export is the event's, shared by everyone: its words are in the event's language.
        with i18n.use_locale(ctx.event.language):
            body, modified = await self.body(ctx)
        return Rendered(
            body=body,
            media_type=self.media_type,
            filename=self.filename(ctx.event),
            last_modified=modified,
            inline=self.inline,
            private=self.access != "public",
        )


class ScheduleExporter(Exporter):
    """Exporters of the published agenda: 404 until one is published."""

    @abstractmethod
    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes: ...

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        """Made once per published agenda and query (kept in the read cache, which every change drops)."""

        async def made() -> tuple[bytes, datetime | None]:
            schedule = await load_schedule(ctx.event)
            return self.from_schedule(schedule, ctx), schedule.last_modified

        if ctx.viewer is not None or len(ctx.params) > 4:
            return await made()
        query = "&".join(f"{k}={v[:40]}" for k, v in sorted(ctx.params.items()))
        return await read_cache.through(ctx.event.slug, f"export:{self.identifier}?{query}", made)


REGISTRY: dict[str, Exporter] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    REGISTRY[cls.identifier] = cls()
    return cls


@register
class ICalExporter(ScheduleExporter):
    identifier = "agenda.ics"
    verbose_name = "Whole agenda (iCalendar)"
    media_type = ical.MEDIA_TYPE

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return ical.calendar(schedule, schedule.items, name=schedule.title, plenaries=schedule.plenaries)


@register
class FrabXmlExporter(ScheduleExporter):
    identifier = "schedule.xml"
    verbose_name = "Conference apps: frab/c3voc schedule.xml"
    media_type = "application/xml; charset=utf-8"
    inline = True

    def filename(self, event: Event) -> str:
        return "schedule.xml"

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return frab.schedule_xml(schedule)


@register
class FrabJsonExporter(ScheduleExporter):
    identifier = "schedule.json"
    verbose_name = "Conference apps: c3voc schedule.json"
    media_type = "application/json"
    inline = True

    def filename(self, event: Event) -> str:
        return "schedule.json"

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return frab.schedule_json(schedule)


@register
class AgendaCsvExporter(ScheduleExporter):
    identifier = "agenda.csv"
    verbose_name = "Agenda (CSV)"
    media_type = "text/csv; charset=utf-8"

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return tabular.to_csv(tabular.agenda_rows(schedule), tabular.AGENDA_COLUMNS)


@register
class AgendaJsonExporter(ScheduleExporter):
    identifier = "agenda.json"
    verbose_name = "Agenda (JSON)"
    media_type = "application/json"

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return tabular.to_json(
            tabular.agenda_rows(schedule), event=schedule.slug, version=schedule.version, timezone=schedule.timezone
        )


@register
class ProposalsCsvExporter(Exporter):
    identifier = "proposals.csv"
    verbose_name = "Proposals with votes (CSV)"
    media_type = "text/csv; charset=utf-8"

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        return tabular.to_csv(await tabular.proposal_rows(ctx.event), tabular.PROPOSAL_COLUMNS), None


@register
class ProposalsJsonExporter(Exporter):
    identifier = "proposals.json"
    verbose_name = "Proposals with votes (JSON)"
    media_type = "application/json"

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        return tabular.to_json(await tabular.proposal_rows(ctx.event), event=ctx.event.slug), None


@register
class ParticipantsCsvExporter(Exporter):
    identifier = "participants.csv"
    verbose_name = "Participants with emails (CSV, organizers)"
    media_type = "text/csv; charset=utf-8"
    access = "organizer"

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        return tabular.to_csv(await tabular.participant_rows(ctx.event), tabular.PARTICIPANT_COLUMNS), None


@register
class ParticipantsJsonExporter(Exporter):
    identifier = "participants.json"
    verbose_name = "Participants with emails (JSON, organizers)"
    media_type = "application/json"
    access = "organizer"

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        return tabular.to_json(await tabular.participant_rows(ctx.event), event=ctx.event.slug), None


@register
class DigestMarkdownExporter(Exporter):
    identifier = "digest.md"
    verbose_name = "Post-event digest (Markdown)"
    media_type = "text/markdown; charset=utf-8"

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        schedule = await load_schedule(ctx.event)
        return await digest.digest_markdown(schedule), schedule.last_modified


@register
class DigestHtmlExporter(Exporter):
    identifier = "digest.html"
    verbose_name = "Post-event digest (HTML)"
    media_type = "text/html; charset=utf-8"
    inline = True

    async def body(self, ctx: ExportContext) -> tuple[bytes, datetime | None]:
        schedule = await load_schedule(ctx.event)
        return await digest.digest_html(schedule), schedule.last_modified


@register
class PrintAgendaExporter(ScheduleExporter):
    identifier = "agenda.html"
    verbose_name = "One-page printable agenda (HTML, ?paper=a4|letter)"
    media_type = "text/html; charset=utf-8"
    inline = True

    def from_schedule(self, schedule: Schedule, ctx: ExportContext) -> bytes:
        return printable.agenda_page(schedule, printable.check_paper(ctx.params.get("paper", "a4")))
