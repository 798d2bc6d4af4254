"""Instance-wide bookkeeping that belongs to no event."""

from typing import ClassVar

from piccolo.columns import Serial, Timestamptz, Varchar
from piccolo.table import Table


class Lease(Table):
    """A named job that must run on one worker at a time: whoever moves ``until`` forward holds it."""

    id: ClassVar[Serial]
    name = Varchar(length=64, unique=True)
    holder = Varchar(length=64, default="")
    until = Timestamptz()
