"""The web and worker roles (`SMA_ROLE`): how the web role wakes the worker, how the
worker takes a wake, and whether an instance is ready for traffic."""
