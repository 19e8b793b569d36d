"""What reaches the bot: the HTTP gate (authentication, tenant, channel, service URL, shape
of the activity) and the replay guard that answers a re-delivered activity once."""
