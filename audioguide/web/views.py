"""What a visitor is shown of a stop, worked out once per snapshot and language.

The stop page (render.py) and the JSON API (api.py) are two projections of the same StopView:
which language the text is in, its title, the published audio and captions, the neighbours and
the transcript are decided here and nowhere else, so the page and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from audioguide.engines.registry import display_name
from audioguide.published import TranscriptBlock, transcript_of
from audioguide.tour.model import Stop
from audioguide.tour.schema import Location
from audioguide.web.snapshot import MediaFile, Narrated, Photo, Snapshot


@dataclass(frozen=True)
class StopLink:
    """Another stop as a list or a neighbour link names it, in the visitor's language."""

    id: str
    number: int
    title: str
    content_lang: str  # the language its text is shown in (see content_language)
    duration: float | None = None  # seconds of published audio; the home page's list shows it

    @classmethod
    def of(cls, snap: Snapshot, stop: Stop, lang: str, duration: float | None = None) -> StopLink:
        # The visitor's language, else the tour's default, else the id: a list reads alike.
        title = stop.title(lang, snap.tour.default_language)
        return cls(stop.id, stop.number, title, content_language(snap, stop, lang), duration)


@dataclass(frozen=True)
class StopView:
    stop: Stop
    link: StopLink  # this stop as the home page lists it
    lang: str  # the visitor's language: the page's chrome and links
    content_lang: str  # the language the narration is shown and heard in
    title: str
    narrated: Narrated | None  # published audio and captions, None while nothing is built
    image: Photo | None
    needs_review: bool
    # Sentence n (1-based, over all blocks) is caption cue "s<n>". From the manifest when the
    # audio is built, so that a text edited since the last build never puts the highlight on the
    # wrong sentence; from the narration file otherwise.
    blocks: tuple[TranscriptBlock, ...]
    transcript: str  # plain text: what the audio says, or the text file while nothing is built
    previous: StopLink | None
    next: StopLink | None

    @property
    def location(self) -> Location | None:
        return self.stop.config.location

    @property
    def duration(self) -> float | None:
        return self.narrated.duration if self.narrated else None

    @property
    def engine_name(self) -> str | None:
        """For apps (the API); visitors read only whether the voice is a computer's or a person's."""
        return display_name(self.narrated.engine) if self.narrated else None

    @property
    def recorded(self) -> bool:
        """Read by a person (a recording), not by a computer-generated voice."""
        return bool(self.narrated and self.narrated.published.recorded)

    @property
    def narrator(self) -> str | None:
        return self.narrated.published.narrator if self.narrated else None

    def files(self) -> list[MediaFile]:
        """The media files the offline tour needs for this stop."""
        narrated = self.narrated
        files = [narrated.audio, narrated.captions] if narrated else []
        if self.image:  # one variant, not all: the service worker shows it for any of them
            files.append(self.image.offline or self.image.src)
        return [f for f in files if f is not None]


def content_language(snap: Snapshot, stop: Stop, lang: str) -> str:
    """The language a stop is shown in: the visitor's if written, else the first that is."""
    if lang in stop.narrations:
        return lang
    return next((code for code in snap.tour.languages if code in stop.narrations), lang)


def stop_view(snap: Snapshot, stop: Stop, lang: str) -> StopView:
    content_lang = content_language(snap, stop, lang)
    narration = stop.narrations.get(content_lang)
    narrated = snap.narrated.get((stop.id, content_lang))
    previous, following = snap.neighbours(stop)
    if narrated is not None and narrated.transcript is not None:
        blocks = narrated.transcript
    else:
        blocks = transcript_of(narration.script) if narration else ()
    script_text = narration.script.plain_text() if narration else ""
    return StopView(
        stop=stop,
        link=StopLink.of(snap, stop, lang, narrated.duration if narrated else None),
        lang=lang,
        content_lang=content_lang,
        title=narration.title if narration else stop.id,
        narrated=narrated,
        image=snap.images.get(stop.id),
        needs_review=bool(narration and narration.needs_review),
        blocks=blocks,
        transcript=(narrated.plain_text() if narrated else None) or script_text,
        previous=StopLink.of(snap, previous, lang) if previous else None,
        next=StopLink.of(snap, following, lang) if following else None,
    )


def stop_views(snap: Snapshot, lang: str) -> dict[str, StopView]:
    """Every stop of the tour as seen in one language, in tour order, by stop id."""
    return {stop.id: stop_view(snap, stop, lang) for stop in snap.tour.stops}
