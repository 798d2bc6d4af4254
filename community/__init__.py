"""Communities that outlive one morning: members, profiles, peers with shared interests, blocks."""
