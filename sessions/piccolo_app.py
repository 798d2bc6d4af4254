import os

from piccolo.conf.apps import AppConfig

from sessions.tables import FacilitatorInvite, Proposal, ProposalFacilitator, SessionNote, Star, Volunteer

APP_CONFIG = AppConfig(
    app_name="sessions",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Proposal, ProposalFacilitator, SessionNote, Star, FacilitatorInvite, Volunteer],
    migration_dependencies=["events.piccolo_app"],
    commands=[],
)
