"""botbuilder's adapter, set up for us: its authentication settings and the Bot Connector
clients it reuses."""
