"""CareerCenter: the medical coding job board (posts, moderation, search, saved searches)."""
