"""People talking to each other: notes between people, topic chats, reports and mutes, greeters' welcomes."""
