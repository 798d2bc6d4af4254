"""Video providers behind one interface; importing this package registers the built-in ones."""

from rooms.video import bbb, jitsi, static, whereby  # noqa: F401  (registration side effect)
from rooms.video.base import REGISTRY, Embed, Joiner, Meeting, MeetingSpec, ProviderError, VideoProvider, get_provider

__all__ = ["REGISTRY", "Embed", "Joiner", "Meeting", "MeetingSpec", "ProviderError", "VideoProvider", "get_provider"]
