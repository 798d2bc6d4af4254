"""Session proposals and who facilitates them."""

from typing import ClassVar

from piccolo.columns import Array, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from unconf.tables import Event, Participant


class Proposal(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=120)
    description = Text(default="")
    tags = Array(base_column=Varchar(length=40))
    needs = Array(base_column=Varchar(length=40))
    status = Varchar(length=16, default="proposed")
    merged_into: ForeignKey["Proposal"] = ForeignKey(
        references="self", null=True, default=None, on_delete=OnDelete.set_null
    )
    created_by = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ProposalFacilitator(Table):
    id: ClassVar[Serial]
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
